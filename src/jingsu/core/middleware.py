"""A lighter middleware stack for the citizen portal (issue #18).

The portal's pages (`/n/…`) use the session, CSRF on their forms, and every security header (SecurityMiddleware,
X-Frame-Options, the CSP) — and nothing of the staff console's login: no `request.user` and no messages framework.
Those two middlewares are listed in settings through `ConsoleOnly`, which runs them for every other path and passes
portal requests straight on. (django-axes' middleware stays as it is: it only looks at a flag its login signal sets,
and its system check wants it listed by name.) Everything a portal response carries is unchanged
(tests/portal/test_portal_headers.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

#: the citizen portal's paths (jingsu.portal.urls)
PORTAL_PREFIX = "/n/"


class ConsoleOnly:
    """Wraps the middleware named by `wrapped`: run for every path but the portal's."""

    wrapped = ""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.inner: Any = import_string(self.wrapped)(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(PORTAL_PREFIX):
            return self.get_response(request)
        response: HttpResponse = self.inner(request)
        return response


class Authentication(ConsoleOnly):
    wrapped = "django.contrib.auth.middleware.AuthenticationMiddleware"


class Messages(ConsoleOnly):
    wrapped = "django.contrib.messages.middleware.MessageMiddleware"
