"""What every web-facing app needs of a request: the client's address (the staff console's lockout and access log,
the portal's rate limits and audit rows, django-axes through AXES_CLIENT_IP_CALLABLE)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address for lockout and the access log.

    REMOTE_ADDR only: behind a reverse proxy, set JINGSU_TRUSTED_PROXY_COUNT=n to take the n-th address from the
    right of X-Forwarded-For (the proxies' own additions); a client-supplied header is never trusted blindly.
    """
    count = getattr(settings, "JINGSU_TRUSTED_PROXY_COUNT", 0)
    if count:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return str(request.META.get("REMOTE_ADDR", ""))
