"""Access control of the staff console: every view says which permission it needs.

    @staff_view("view_taxpayer")
    def taxpayer_detail(request, taxpayer_id): ...

- anonymous → redirect to the login page;
- logged in without a `StaffProfile`, inactive, or without the permission → 403;
- otherwise `request.staff` (the profile) and `request.jurisdiction` are set — the view receives a `StaffRequest`,
  which says so to the type checker; views filter every query by `request.jurisdiction` (`scoped_or_404`), so
  another jurisdiction's objects are 404;
- the response is `Cache-Control: no-store` (pages carry personal data; the office PC is shared).

The decorator records the permission on the view function (`staff_permission`); views that must be reachable
without login (login itself) say so with `@public_view`. The URL-walker test (tests/staff/test_url_walker.py) fails
for any console URL whose view has neither.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import patch_cache_control

from jingsu.clock import today
from jingsu.core.models import Jurisdiction
from jingsu.core.runtime import runtime
from jingsu.staff.models import StaffProfile
from jingsu.staff.roles import PERMISSIONS

P = ParamSpec("P")
M = TypeVar("M", bound=Model)
T = TypeVar("T")


class StaffRequest(HttpRequest):  # type: ignore[misc]  # HttpRequest is Any to mypy: the project has no Django stubs
    """The request a `staff_view` hands its view: the user has a profile and the view's permission, and these two
    are set. Never instantiated: the decorator sets them on Django's request."""

    staff: StaffProfile
    jurisdiction: Jurisdiction


StaffView = Callable[Concatenate[StaffRequest, P], HttpResponse]
DjangoView = Callable[Concatenate[HttpRequest, P], HttpResponse]

PERMISSION_ATTR = "staff_permission"
PUBLIC_ATTR = "staff_public"


def no_store(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, no_store=True, no_cache=True, must_revalidate=True, private=True, max_age=0)
    response["Pragma"] = "no-cache"
    return response


def staff_view(permission: str) -> Callable[[StaffView[P]], DjangoView[P]]:
    """The view takes a `StaffRequest`; what Django's URL map calls takes any request and checks it first."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown staff permission {permission!r}; add it to jingsu.staff.roles.PERMISSIONS")

    def decorate(view: StaffView[P]) -> DjangoView[P]:
        @wraps(view)
        def wrapped(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            profile = getattr(user, "staff_profile", None)
            if profile is None or not user.is_active or not user.has_perm(f"staff.{permission}"):
                raise PermissionDenied
            # From here on the request is a StaffRequest: the two attributes its class declares are set.
            staff_request = cast(StaffRequest, request)
            staff_request.staff = profile
            staff_request.jurisdiction = profile.jurisdiction
            return no_store(view(staff_request, *args, **kwargs))

        setattr(wrapped, PERMISSION_ATTR, permission)
        return wrapped

    return decorate


def public_view(view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """A console view reachable without login (the login page). Still no-store."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        return no_store(view(*args, **kwargs))

    setattr(wrapped, PUBLIC_ATTR, True)
    return wrapped


def scoped_or_404(request: StaffRequest, model: type[M], **lookup: Any) -> M:
    """The object if it belongs to the user's jurisdiction, else 404 (not 403: do not confirm it exists)."""
    found: M = get_object_or_404(model, jurisdiction=request.jurisdiction, **lookup)
    return found


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


def jurisdiction_of(request: StaffRequest) -> Jurisdiction:
    return request.jurisdiction


def act(request: HttpRequest, do: Callable[[], T], *, refused: type[Exception] | tuple[type[Exception], ...],
        done: str | Callable[[T], str], to: str | HttpResponse) -> HttpResponse:
    """The console's POST → service → message → redirect: `do()` calls the service; its domain error (`refused`)
    becomes an error message in the error's own words, otherwise `done` (or `done(result)`) the success message;
    either way the browser goes to `to` (a URL, or a redirect already made). The service writes its audit row."""
    try:
        result = do()
    except refused as e:
        messages.error(request, str(e))
    else:
        messages.success(request, done(result) if callable(done) else done)
    return to if isinstance(to, HttpResponse) else redirect(to)
