"""The WSGI application bench/portal_load.py serves with gunicorn: jingsu.wsgi's, plus one empty Django view at
`/bench/empty` (the floor: the same server, settings and middleware stack, no work in the view).

Only the bench loads this module (`gunicorn --pythonpath bench _portal_wsgi:application`); jingsu's own URLs are
unchanged.
"""

from __future__ import annotations

import sys
import types

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from jingsu.wsgi import application  # noqa: F401  (sets Django up)


def empty(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urls = types.ModuleType("_portal_bench_urls")
urls.urlpatterns = [path("bench/empty", empty), path("", include("jingsu.urls"))]  # type: ignore[attr-defined]
sys.modules["_portal_bench_urls"] = urls

from django.conf import settings  # noqa: E402

settings.ROOT_URLCONF = "_portal_bench_urls"
