"""Audit rows for logins, failed logins and lockouts (개인정보의 안전성 확보조치 기준 제8조: 접속기록 — account, time,
address, action). The address is the staff member's, not a taxpayer's."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from jingsu.core import audit
from jingsu.core.http import client_ip
from jingsu.core.runtime import runtime


def _jurisdiction_of(username: str) -> str | None:
    from jingsu.staff.models import StaffProfile

    profile = StaffProfile.objects.filter(user__username=username).only("jurisdiction_id").first()
    return profile.jurisdiction_id if profile else None


def _ip(request: Any) -> str:
    return client_ip(request) if request is not None else ""


@receiver(user_logged_in, dispatch_uid="jingsu.staff.audit_login")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    username = user.get_username()
    audit.record("staff.login", actor=username, jurisdiction=_jurisdiction_of(username),
                 detail={"ip": _ip(request)}, clock=runtime().clock)


@receiver(user_logged_out, dispatch_uid="jingsu.staff.audit_logout")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    username = user.get_username()
    audit.record("staff.logout", actor=username, jurisdiction=_jurisdiction_of(username),
                 detail={"ip": _ip(request)}, clock=runtime().clock)


@receiver(user_login_failed, dispatch_uid="jingsu.staff.audit_login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username") or "")[:100]
    audit.record("staff.login_failed", actor=username or "(빈 아이디)", jurisdiction=_jurisdiction_of(username),
                 detail={"ip": _ip(request)}, clock=runtime().clock)


@receiver(user_locked_out, dispatch_uid="jingsu.staff.audit_lockout")
def _locked_out(sender: Any, request: Any, username: str | None = None, ip_address: str | None = None,
                **kwargs: Any) -> None:
    name = str(username or "")[:100]
    audit.record("staff.lockout", actor=name or "(빈 아이디)", jurisdiction=_jurisdiction_of(name),
                 detail={"ip": ip_address or _ip(request)}, clock=runtime().clock)
