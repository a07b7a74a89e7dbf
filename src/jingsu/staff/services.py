"""Operations on staff accounts."""

from __future__ import annotations

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
