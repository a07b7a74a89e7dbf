"""Operations on staff accounts."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction

from jingsu.clock import REAL_CLOCK, Clock
from jingsu.core import audit
from jingsu.core.models import Jurisdiction
from jingsu.staff.models import AccountNotice, AccountRequest, AccountSetupToken, StaffProfile
from jingsu.staff.roles import ALL_ROLES, NO_ROLE, ROLE_BY_CODE, ROLE_CHOICES


def set_role(user: AbstractBaseUser, role: str) -> None:
    """Put the user in exactly the role's group (and no other role group)."""
    target = ROLE_BY_CODE[role]
    role_groups = Group.objects.filter(name__in=[r.name for r in ALL_ROLES])
    user.groups.remove(*role_groups.exclude(name=target.name))  # type: ignore[attr-defined]
    user.groups.add(Group.objects.get(name=target.name))  # type: ignore[attr-defined]


def create_staff_user(
    username: str,
    *,
    jurisdiction: Jurisdiction,
    role: str,
    password: str | None,
    display_name: str = "",
    actor: str = "system:staff",
    clock: Clock,
) -> StaffProfile:
    """A user with a profile and the role's group, at once. `password=None` makes an account that cannot log in yet.

    The bootstrap path for whoever runs commands on the server (`jingsu serve`'s demo users, tests): no approval.
    The console never uses it: there, `create_account` makes an account without a role and a role request."""
    if role not in ROLE_BY_CODE:
        raise ValueError(f"알 수 없는 역할: {role}")
    code = jurisdiction.code
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password)
        profile = StaffProfile.objects.create(user=user, jurisdiction_id=code, role=role,
                                              display_name=display_name, created_at=clock.now())
        set_role(user, role)
        audit.record("staff.user_create", actor=actor, jurisdiction=code, target=profile,
                     detail={"username": username, "role": role}, clock=clock)
    return profile


def reset_password(profile: StaffProfile, password: str, *, actor: str, clock: Clock) -> None:
    """Set a password directly (`jingsu serve --reset-passwords` for the demo users). The console never shows or
    sets a password: a reset is a request another administrator approves (`request_password_reset`), whose
    approval issues a set-up link. The owner is told all the same."""
    with transaction.atomic():
        profile.user.set_password(password)
        profile.user.save(update_fields=["password"])
        _notify_reset(profile, actor, clock)
        audit.record("staff.password_reset", actor=actor, jurisdiction=profile.jurisdiction_id, target=profile,
                     detail={"username": profile.user.get_username()}, clock=clock)


def change_own_password(profile: StaffProfile, password: str, *, clock: Clock) -> None:
    """The owner changes their own password (the console's 내 계정 → 비밀번호 바꾸기, after the current one was
    checked and Django's validators passed). Audited without the password."""
    with transaction.atomic():
        profile.user.set_password(password)
        profile.user.save(update_fields=["password"])
        audit.record("staff.password_change", actor=_username(profile), jurisdiction=profile.jurisdiction_id,
                     target=profile, detail={"username": _username(profile)}, clock=clock)


# --- account management in the console (staff/user_views.py) -------------------------------------------------------

#: bytes of randomness of a generated password; secrets.token_urlsafe(18) gives 24 characters (144 bits).
PASSWORD_BYTES = 18
#: bytes of randomness of a set-up link's token (256 bits); only its SHA-256 is stored.
SETUP_TOKEN_BYTES = 32


class StaffAccountError(Exception):
    """An account change the rules refuse; the message is Korean and shown on the screen."""


def generate_password() -> str:
    """A random password for the demo users of `jingsu serve` (printed once there; stored only as the hash)."""
    return secrets.token_urlsafe(PASSWORD_BYTES)


def _username(profile: StaffProfile) -> str:
    return str(profile.user.get_username())


# --- set-up links (the owner sets their own password) ---------------------------------------------------------------


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_setup_link(profile: StaffProfile, purpose: str, *, actor: str, clock: Clock) -> str:
    """A new one-time link for the account (earlier unused links are revoked). Returns the raw token — the only
    copy: the database keeps its SHA-256. Call inside the caller's transaction."""
    now = clock.now()
    raw = secrets.token_urlsafe(SETUP_TOKEN_BYTES)
    AccountSetupToken.objects.filter(user=profile.user, used_at=None, revoked_at=None).update(revoked_at=now)
    token = AccountSetupToken.objects.create(
        user=profile.user, jurisdiction_id=profile.jurisdiction_id, purpose=purpose, token_hash=_token_hash(raw),
        created_by=actor, created_at=now, expires_at=now + timedelta(hours=settings.JINGSU_ACCOUNT_SETUP_HOURS))
    audit.record("staff.setup_link_issue", actor=actor, jurisdiction=profile.jurisdiction_id, target=profile,
                 detail={"username": _username(profile), "purpose": purpose, "token_id": token.pk,
                         "expires_at": token.expires_at.isoformat()}, clock=clock)
    return raw


def valid_setup_token(raw: str, *, clock: Clock) -> AccountSetupToken | None:
    """The link's row if it is unused, not revoked, not expired and its account active; else None."""
    if not raw or len(raw) > 100:
        return None
    token = (AccountSetupToken.objects.select_related("user").filter(token_hash=_token_hash(raw)).first())
    if (token is None or token.used_at is not None or token.revoked_at is not None
            or token.expires_at <= clock.now() or not token.user.is_active):
        return None
    return token


def complete_setup(raw: str, password: str, *, clock: Clock) -> StaffProfile:
    """The owner sets their password through the link (the caller has run Django's password validators). The
    link is locked and marked used in the same transaction, so it works once."""
    with transaction.atomic():
        token = (AccountSetupToken.objects.select_for_update().select_related("user")
                 .filter(token_hash=_token_hash(raw)).first())
        if token is None or valid_setup_token(raw, clock=clock) is None:
            raise StaffAccountError("이 링크는 쓸 수 없습니다(이미 썼거나 기한이 지났거나 새 링크로 바뀌었습니다). "
                                    "시스템관리자에게 새 링크를 요청하세요.")
        now = clock.now()
        token.used_at = now
        token.save(update_fields=["used_at"])
        user = token.user
        user.set_password(password)
        user.save(update_fields=["password"])
        profile = StaffProfile.objects.get(user=user)
        audit.record("staff.password_set", actor=_username(profile), jurisdiction=profile.jurisdiction_id,
                     target=profile, detail={"username": _username(profile), "purpose": token.purpose,
                                             "token_id": token.pk}, clock=clock)
    return profile


def create_account(username: str, *, jurisdiction: Jurisdiction, role: str, display_name: str = "",
                   actor: str, clock: Clock) -> AccountRequest:
    """An account made in the console: no password and no role, plus a pending request for `role`. When another
    시스템관리자 approves it, the account gets the role and that approver gets the one-time set-up link for the owner
    (`approve_request`). The creator never sees a password or a usable link."""
    if role not in dict(ROLE_CHOICES):
        raise StaffAccountError(f"알 수 없는 역할입니다: {role}")
    with transaction.atomic():
        profile = create_staff_user(username, jurisdiction=jurisdiction, role=NO_ROLE.code, password=None,
                                    display_name=display_name, actor=actor, clock=clock)
        req = request_role(profile, role, actor=actor, clock=clock)
    assert req is not None
    return req


def _notify_reset(profile: StaffProfile, actor: str, clock: Clock, requested_by: str = "") -> None:
    if actor != _username(profile):
        AccountNotice.objects.create(user=profile.user, jurisdiction_id=profile.jurisdiction_id,
                                     kind=AccountNotice.Kind.PASSWORD_RESET, actor=actor, requested_by=requested_by,
                                     created_at=clock.now())


def _reset_now(profile: StaffProfile, *, actor: str, clock: Clock, requested_by: str = "") -> str:
    """The old password stops working at once (and with it the account's sessions), the owner is told by whom and
    when (`AccountNotice`), and a one-time set-up link is issued. Returns the raw token."""
    profile.user.set_unusable_password()
    profile.user.save(update_fields=["password"])
    _notify_reset(profile, actor, clock, requested_by)
    audit.record("staff.password_reset", actor=actor, jurisdiction=profile.jurisdiction_id, target=profile,
                 detail={"username": _username(profile), "by": "setup_link", "requested_by": requested_by or actor},
                 clock=clock)
    return issue_setup_link(profile, AccountSetupToken.Purpose.RESET, actor=actor, clock=clock)


def reset_own_password(profile: StaffProfile, *, actor: str, clock: Clock) -> str:
    """An administrator resetting their own password: no second approver needed (the link is for themselves)."""
    if _username(profile) != actor:
        raise StaffAccountError("다른 사람의 비밀번호 초기화는 다른 시스템관리자의 승인이 필요합니다.")
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        return _reset_now(profile, actor=actor, clock=clock)


def unseen_notices(user: AbstractBaseUser, *, clock: Clock) -> list[AccountNotice]:
    """The owner's notices not yet shown, marked seen now (the first screen after login shows them)."""
    notices = list(AccountNotice.objects.filter(user=user, seen_at=None).order_by("created_at", "id"))
    if notices:
        AccountNotice.objects.filter(pk__in=[n.pk for n in notices], seen_at=None).update(seen_at=clock.now())
    return notices


# --- maker-checker: requests that a second administrator approves ---------------------------------------------------


def pending_request(profile: StaffProfile) -> AccountRequest | None:
    return AccountRequest.objects.filter(profile=profile, status=AccountRequest.Status.PENDING).first()


def _new_request(profile: StaffProfile, kind: str, role: str, *, actor: str, clock: Clock) -> AccountRequest:
    if pending_request(profile) is not None:
        raise StaffAccountError("이 계정에는 승인을 기다리는 요청이 이미 있습니다. 그 요청이 승인되거나 반려된 "
                                "다음에 다시 요청하세요.")
    req = AccountRequest.objects.create(profile=profile, jurisdiction_id=profile.jurisdiction_id, kind=kind,
                                        role=role, from_role=profile.role, requested_by=actor,
                                        requested_at=clock.now())
    audit.record("staff.role_request" if kind == AccountRequest.Kind.ROLE else "staff.password_reset_request",
                 actor=actor, jurisdiction=profile.jurisdiction_id, target=profile,
                 detail={"username": _username(profile), "from": profile.role, "to": role, "request_id": req.pk},
                 clock=clock)
    return req


def request_role(profile: StaffProfile, role: str, *, actor: str,
                 clock: Clock) -> AccountRequest | None:
    """Ask for the account to get `role`. Nothing changes until another 시스템관리자 approves; the account keeps its
    present role meanwhile (a new account: none). Returns None when the account already has that role.

    Refused: an unknown role; a second pending request for the account; an administrator asking to take
    `manage_users` away from their own account (nobody would be left to give it back)."""
    if role not in dict(ROLE_CHOICES):
        raise StaffAccountError(f"알 수 없는 역할입니다: {role}")
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        if profile.role == role:
            return None
        if _username(profile) == actor and "manage_users" not in ROLE_BY_CODE[role].permissions:
            raise StaffAccountError("자기 계정에서 직원 계정 관리 권한을 뺄 수 없습니다. 다른 시스템관리자에게 요청하세요.")
        return _new_request(profile, AccountRequest.Kind.ROLE, role, actor=actor, clock=clock)


def request_password_reset(profile: StaffProfile, *, actor: str, clock: Clock) -> AccountRequest:
    """Ask for another account's password to be reset. The password keeps working until another 시스템관리자
    approves; then it stops, the owner is told, and the approver gets the set-up link. (To stop an account at once,
    deactivate it: that needs no second person.)"""
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        if _username(profile) == actor:
            raise StaffAccountError("자기 비밀번호는 승인 없이 바로 초기화할 수 있습니다.")
        return _new_request(profile, AccountRequest.Kind.RESET, profile.role, actor=actor, clock=clock)


@dataclass
class Decision:
    request: AccountRequest
    setup_token: str = ""  # raw, for the approver to hand over; "" when no link was issued


def _decide(req: AccountRequest, *, actor: str, clock: Clock, approve: bool) -> Decision:
    with transaction.atomic():
        req = AccountRequest.objects.select_for_update().select_related("profile__user").get(pk=req.pk)
        if req.status != AccountRequest.Status.PENDING:
            raise StaffAccountError("이 요청은 이미 처리되었습니다.")
        profile = StaffProfile.objects.select_for_update().select_related("user").get(pk=req.profile_id)
        if approve:
            if actor == req.requested_by:
                raise StaffAccountError("요청한 사람은 그 요청을 승인할 수 없습니다. 다른 시스템관리자가 승인해야 합니다.")
            if actor == _username(profile):
                raise StaffAccountError("자기 계정에 대한 요청은 승인할 수 없습니다. 다른 시스템관리자가 승인해야 합니다.")
        req.status = AccountRequest.Status.APPROVED if approve else AccountRequest.Status.REJECTED
        req.decided_by = actor
        req.decided_at = clock.now()
        req.save(update_fields=["status", "decided_by", "decided_at"])
        previous = profile.role
        raw = ""
        if approve and req.kind == AccountRequest.Kind.ROLE:
            profile.role = req.role
            profile.save(update_fields=["role"])
            set_role(profile.user, req.role)
        verb = "approve" if approve else "reject"
        audit.record(f"staff.{'role' if req.kind == AccountRequest.Kind.ROLE else 'password_reset'}_{verb}",
                     actor=actor, jurisdiction=profile.jurisdiction_id, target=profile,
                     detail={"username": _username(profile), "from": previous, "to": req.role,
                             "request_id": req.pk, "requested_by": req.requested_by}, clock=clock)
        if approve and req.kind == AccountRequest.Kind.RESET:
            raw = _reset_now(profile, actor=actor, clock=clock, requested_by=req.requested_by)
        elif approve and not profile.user.has_usable_password():  # a new account: its owner sets the password now
            raw = issue_setup_link(profile, AccountSetupToken.Purpose.NEW, actor=actor, clock=clock)
    return Decision(req, raw)


def approve_request(req: AccountRequest, *, actor: str, clock: Clock) -> Decision:
    """Another 시스템관리자 approves: a role is given now; a reset is made now. The requester and the account's
    owner are refused. The set-up link, when one is issued, goes to this approver."""
    return _decide(req, actor=actor, clock=clock, approve=True)


def reject_request(req: AccountRequest, *, actor: str, clock: Clock) -> Decision:
    """Any 시스템관리자 (the requester too: a withdrawal) rejects; nothing changes."""
    return _decide(req, actor=actor, clock=clock, approve=False)


def set_active(profile: StaffProfile, active: bool, *, actor: str, clock: Clock) -> bool:
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


def locked_usernames(usernames: list[str], *, clock: Clock = REAL_CLOCK) -> set[str]:
    # `clock` must be the one django-axes stamps attempts with: the wall clock (REAL_CLOCK), never an injected one
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


def unlock(profile: StaffProfile, *, actor: str, clock: Clock) -> int:
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
