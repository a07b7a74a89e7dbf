"""Operations on staff accounts."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction

from jingsu.clock import DEFAULT_CLOCK, Clock
from jingsu.core import audit
from jingsu.core.models import Jurisdiction
from jingsu.staff.models import StaffProfile
from jingsu.staff.roles import ROLE_BY_CODE, ROLES


def set_role(user: AbstractBaseUser, role: str) -> None:
    """Put the user in exactly the role's group (and no other role group)."""
    target = ROLE_BY_CODE[role]
    role_groups = Group.objects.filter(name__in=[r.name for r in ROLES])
    user.groups.remove(*role_groups.exclude(name=target.name))  # type: ignore[attr-defined]
    user.groups.add(Group.objects.get(name=target.name))  # type: ignore[attr-defined]


def create_staff_user(
    username: str,
    *,
    jurisdiction: Jurisdiction | str,
    role: str,
    password: str | None,
    display_name: str = "",
    actor: str = "system:staff",
    clock: Clock = DEFAULT_CLOCK,
) -> StaffProfile:
    """A user with a profile and the role's group. `password=None` makes an account that cannot log in yet."""
    if role not in ROLE_BY_CODE:
        raise ValueError(f"알 수 없는 역할: {role}")
    code = jurisdiction.code if isinstance(jurisdiction, Jurisdiction) else jurisdiction
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password)
        profile = StaffProfile.objects.create(user=user, jurisdiction_id=code, role=role,
                                              display_name=display_name)
        set_role(user, role)
        audit.record("staff.user_create", actor=actor, jurisdiction=code, target=profile,
                     detail={"username": username, "role": role}, clock=clock)
    return profile


def reset_password(profile: StaffProfile, password: str, *, actor: str, clock: Clock = DEFAULT_CLOCK) -> None:
    with transaction.atomic():
        profile.user.set_password(password)
        profile.user.save(update_fields=["password"])
        audit.record("staff.password_reset", actor=actor, jurisdiction=profile.jurisdiction_id, target=profile,
                     detail={"username": profile.user.get_username()}, clock=clock)


# --- account management in the console (staff/user_views.py) -------------------------------------------------------

#: bytes of randomness of a generated password; secrets.token_urlsafe(18) gives 24 characters (144 bits).
PASSWORD_BYTES = 18


class StaffAccountError(Exception):
    """An account change the rules refuse; the message is Korean and shown on the screen."""


def generate_password() -> str:
    """A random password for a new account or a reset: shown once, stored only as Django's salted hash."""
    return secrets.token_urlsafe(PASSWORD_BYTES)


def _username(profile: StaffProfile) -> str:
    return str(profile.user.get_username())


def change_role(profile: StaffProfile, role: str, *, actor: str, clock: Clock = DEFAULT_CLOCK) -> bool:
    """Give the account another role (its group and `StaffProfile.role`). Returns False when nothing changed.

    An administrator cannot take `manage_users` away from their own account (nobody would be left to give it back).
    """
    if role not in ROLE_BY_CODE:
        raise StaffAccountError(f"알 수 없는 역할입니다: {role}")
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        previous = profile.role
        if previous == role:
            return False
        if _username(profile) == actor and "manage_users" not in ROLE_BY_CODE[role].permissions:
            raise StaffAccountError("자기 계정에서 직원 계정 관리 권한을 뺄 수 없습니다. 다른 시스템관리자에게 요청하세요.")
        profile.role = role
        profile.save(update_fields=["role"])
        set_role(profile.user, role)
        audit.record("staff.role_change", actor=actor, jurisdiction=profile.jurisdiction_id, target=profile,
                     detail={"username": _username(profile), "from": previous, "to": role}, clock=clock)
    return True


def set_active(profile: StaffProfile, active: bool, *, actor: str, clock: Clock = DEFAULT_CLOCK) -> bool:
    """Deactivate (the account can no longer log in; its open sessions stop working) or reactivate an account.
    Returns False when it already was so. An administrator cannot deactivate their own account."""
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        user = profile.user
        if user.is_active == active:
            return False
        if not active and _username(profile) == actor:
            raise StaffAccountError("자기 계정은 사용 중지할 수 없습니다. 다른 시스템관리자에게 요청하세요.")
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.record("staff.user_activate" if active else "staff.user_deactivate", actor=actor,
                     jurisdiction=profile.jurisdiction_id, target=profile,
                     detail={"username": _username(profile)}, clock=clock)
    return True


def locked_usernames(usernames: list[str], *, clock: Clock = DEFAULT_CLOCK) -> set[str]:
    """Which of these usernames django-axes locks out now: failures for the username within the cool-off time reach
    AXES_FAILURE_LIMIT (the same sum axes computes for the username parameter; attempt times are axes' own, i.e.
    the real clock)."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.db.models import Sum

    if not usernames:
        return set()
    since = clock.now() - settings.AXES_COOLOFF_TIME
    rows = (AccessAttempt.objects.filter(username__in=usernames, attempt_time__gte=since)
            .values("username").annotate(failures=Sum("failures_since_start")))
    return {r["username"] for r in rows if (r["failures"] or 0) >= settings.AXES_FAILURE_LIMIT}


def unlock(profile: StaffProfile, *, actor: str, clock: Clock = DEFAULT_CLOCK) -> int:
    """Lift a django-axes lockout of the account's username early (its failed attempts are deleted, wherever they
    came from). Returns the number of attempt records removed. An address locked by failures under other usernames
    stays locked (`jingsu axes_reset_ip`)."""
    from axes.utils import reset as axes_reset

    username = _username(profile)
    with transaction.atomic():
        removed = axes_reset(username=username)
        audit.record("staff.user_unlock", actor=actor, jurisdiction=profile.jurisdiction_id, target=profile,
                     detail={"username": username, "attempts_removed": removed}, clock=clock)
    return int(removed)
