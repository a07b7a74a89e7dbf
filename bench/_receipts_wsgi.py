"""The WSGI application bench/receipts.py serves through gunicorn: jingsu's own (jingsu.wsgi, with its bootstrap) plus
one empty view at POST /bench/empty — the floor of the same path (gunicorn, middleware, URL resolution) with nothing
behind it. Only the bench loads this module."""

from __future__ import annotations

import importlib

from django.http import HttpRequest, JsonResponse
from django.urls import clear_url_caches, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from jingsu.wsgi import application


@csrf_exempt
@require_POST
def empty(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"rslt_cd": "00", "length": len(request.body)})


# jingsu.urls imports the views, hence the models: only after jingsu.wsgi has set Django up
importlib.import_module("jingsu.urls").urlpatterns.append(path("bench/empty", empty))
clear_url_caches()

__all__ = ["application"]
