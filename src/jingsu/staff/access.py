"""Access control of the staff console: every view says which permission it needs.

    @staff_view("view_taxpayer")
    def taxpayer_detail(request, taxpayer_id): ...

- anonymous → redirect to the login page;
- logged in without a `StaffProfile`, inactive, or without the permission → 403;
- otherwise `request.staff` (the profile) and `request.jurisdiction` are set; views filter every query by
  `request.jurisdiction` (`scoped_or_404`), so another jurisdiction's objects are 404;
- the response is `Cache-Control: no-store` (pages carry personal data; the office PC is shared).

The decorator records the permission on the view function (`staff_permission`); views that must be reachable
without login (login itself) say so with `@public_view`. The URL-walker test (tests/staff/test_url_walker.py) fails
for any console URL whose view has neither.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control

from jingsu.clock import today
from jingsu.core.runtime import runtime
from jingsu.staff.roles import PERMISSIONS

V = TypeVar("V", bound=Callable[..., HttpResponse])
M = TypeVar("M", bound=Model)

PERMISSION_ATTR = "staff_permission"
PUBLIC_ATTR = "staff_public"


def no_store(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, no_store=True, no_cache=True, must_revalidate=True, private=True, max_age=0)
    response["Pragma"] = "no-cache"
    return response


def staff_view(permission: str) -> Callable[[V], V]:
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown staff permission {permission!r}; add it to jingsu.staff.roles.PERMISSIONS")

    def decorate(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            profile = getattr(user, "staff_profile", None)
            if profile is None or not user.is_active or not user.has_perm(f"staff.{permission}"):
                raise PermissionDenied
            request.staff = profile  # type: ignore[attr-defined]
            request.jurisdiction = profile.jurisdiction  # type: ignore[attr-defined]
            return no_store(view(request, *args, **kwargs))

        setattr(wrapped, PERMISSION_ATTR, permission)
        return wrapped  # type: ignore[return-value]

    return decorate


def public_view(view: V) -> V:
    """A console view reachable without login (the login page). Still no-store."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return no_store(view(request, *args, **kwargs))

    setattr(wrapped, PUBLIC_ATTR, True)
    return wrapped  # type: ignore[return-value]


def scoped_or_404(request: HttpRequest, model: type[M], **lookup: Any) -> M:
    """The object if it belongs to the user's jurisdiction, else 404 (not 403: do not confirm it exists)."""
    return get_object_or_404(model, jurisdiction=request.jurisdiction, **lookup)  # type: ignore[attr-defined]


# --- shared by the console's views ---------------------------------------------------------------------------------


class ConsoleClock:
    """The console's clock: the runtime's (jingsu.core.runtime), read at each call — no slot of its own, so the
    console lives at the moment the process's runtime is at (the tests': their clock)."""

    def now(self) -> datetime:
        return runtime().clock.now()


CONSOLE_CLOCK = ConsoleClock()


def console_today() -> date:
    return today(CONSOLE_CLOCK)


def actor(request: HttpRequest) -> str:
    """Who acts, as services record it (the username)."""
    return request.user.get_username()


def jurisdiction_of(request: HttpRequest) -> Any:
    return request.jurisdiction  # type: ignore[attr-defined]
