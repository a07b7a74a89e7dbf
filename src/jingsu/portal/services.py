"""The citizen portal's rules: who may see a notice, and what it owes today.

Two ways in (docs/portal.md):

- from an intermediary's link (Kakao 전자문서, KT 공인알림문자): the intermediary has already verified the person and
  appends a one-time token; we verify it with that intermediary's adapter, report the read back (so the read time
  on the 유통증명서 is the intermediary's), and record the read;
- from an SMS or paper link (our own 256-bit notice token): 생년월일 (사업자등록번호 for a corporation) plus a
  6-digit code sent by SMS to the number on record.

Five failed verifications on a notice lock it for an hour, whoever tries; every success, failure and lock is
audited. Nothing here trusts the URL beyond the opaque token, and no personal data goes into a URL.

An intermediary's token is single-use and short-lived. Opening the same link again (the browser's history, a second
tap on an old tab) brings back a genuine token the intermediary now answers "already used" or "expired": nobody
guessed anything, so it is not a failed verification — it is not counted and never locks the notice (`StaleLink`,
audited as `portal.link_stale`); the page asks to open the document again from KakaoTalk (or the KT message) and
offers the SMS way in. A forged token or another document's link still counts.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.core.cache import cache
from django.db import transaction

from jingsu.clock import SEOUL, Clock
from jingsu.core import audit, auditbuffer, crypto
from jingsu.delivery.contracts import asking_adapter
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.delivery.services import apply_reports
from jingsu.korean import josa
from jingsu.levies.models import Levy
from jingsu.levies.penalties import LevyPenalties
from jingsu.notices.models import Notice, NoticeLine
from jingsu.portal.models import NoticeAccess, OneTimeCode
from jingsu.providers.base import DeliveryState, ProviderSet, SmsMessage, StatusReport

MAX_FAILURES = 5
LOCK_FOR = timedelta(hours=1)
CODE_VALID_FOR = timedelta(minutes=5)
CODE_RESEND_AFTER = timedelta(seconds=30)


class PortalError(Exception):
    """A refusal shown to the citizen (Korean); `locked` when the notice is now locked."""

    def __init__(self, message: str, *, locked: bool = False):
        super().__init__(message)
        self.locked = locked


class StaleLink(PortalError):
    """A genuine intermediary link opened again (its one-time token already used or expired): not a failed
    verification. `channel`: where to open the document again."""

    def __init__(self, message: str, *, channel: str):
        super().__init__(message)
        self.channel = channel


#: The intermediaries' answers for a genuine one-time token that can no longer be used: Kakao's codes and KT's
#: (E202 이미 사용된 토큰, E203 만료된 토큰; E201 is an unknown token, a failure).
STALE_TOKEN_CODES = frozenset({"TOKEN_ALREADY_USED", "TOKEN_EXPIRED", "E202", "E203"})
#: Where the citizen opens the document again, per channel (the page's heading).
REOPEN = {
    Channel.KAKAO: "카카오톡에서 안내문을 다시 열어 주세요",
    Channel.KT: "공인알림문자에서 안내문을 다시 열어 주세요",
}


def sender_contact(notice: Notice) -> str:
    """Whom to call, as the office set it now: "중랑구 세무1과 체납징수팀 02-2094-1234"."""
    return notice.jurisdiction.sender.contact


def notice_by_token(token: str) -> Notice | None:
    if not (20 <= len(token) <= 64):
        return None
    # the taxpayer's 가상계좌 (one-to-one, or none) comes in the same query: the page shows it
    return (Notice.objects.select_related("campaign", "campaign__jurisdiction", "jurisdiction", "taxpayer",
                                          "taxpayer__virtual_account")
            .filter(token=token, control_group=False).first())


def _access(notice: Notice) -> NoticeAccess:
    access, _ = NoticeAccess.objects.get_or_create(notice=notice)
    return access


def locked_until(notice: Notice, now: datetime) -> datetime | None:
    access = NoticeAccess.objects.filter(notice=notice).first()
    if access and access.locked_until and access.locked_until > now:
        return access.locked_until
    return None


def _locked_error(until: datetime) -> PortalError:
    return PortalError(f"본인 확인에 5번 실패하여 {until.astimezone(SEOUL):%H시 %M분}까지 이 안내문을 열 수 없습니다.",
                       locked=True)


def _check_not_locked(notice: Notice, now: datetime) -> None:
    until = locked_until(notice, now)
    if until is not None:
        raise _locked_error(until)


def _lock_access(notice: Notice, now: datetime) -> NoticeAccess:
    """Inside a transaction: the notice's access row, locked (SELECT … FOR UPDATE) until the transaction ends, and
    refused when the notice is locked. Every verification takes this lock before it evaluates anything and counts
    its result before it lets go, so parallel attempts are evaluated one at a time: never more than MAX_FAILURES
    wrong answers are even compared (issue 20 §7)."""
    access_pk = _access(notice).pk
    access = NoticeAccess.objects.select_for_update().get(pk=access_pk)
    if access.locked_until and access.locked_until > now:
        raise _locked_error(access.locked_until)
    return access


def _fail(notice: Notice, why: str, *, remote: str, clock: Clock, access: NoticeAccess | None = None) -> PortalError:
    """Count a failed verification; lock at the fifth. Returns the error to raise. `access`: the row already locked
    by the caller's transaction (`_lock_access`)."""
    now = clock.now()
    with transaction.atomic():
        if access is None:
            access = NoticeAccess.objects.select_for_update().get(pk=_access(notice).pk)
        if access.locked_until and access.locked_until <= now:
            access.failures = 0  # the hour has passed: start counting again
            access.locked_until = None
        access.failures += 1
        access.last_failure_at = now
        locked = access.failures >= MAX_FAILURES
        if locked:
            access.locked_until = now + LOCK_FOR
        access.save()
        audit.record("portal.verify_failed", actor=f"citizen@{remote}", jurisdiction=notice.jurisdiction_id,
                     target=notice, clock=clock, reason=why, detail={"failures": access.failures, "locked": locked})
        if locked:
            audit.record("portal.locked", actor="system:portal", jurisdiction=notice.jurisdiction_id, target=notice,
                         clock=clock, detail={"until": access.locked_until.isoformat()})
    if locked:
        return PortalError("본인 확인에 5번 실패하여 1시간 동안 이 안내문을 열 수 없습니다. 급하시면 "
                           f"{josa(sender_contact(notice), '으로')} 전화해 주십시오.", locked=True)
    left = MAX_FAILURES - access.failures
    return PortalError(f"{why} (남은 시도 {left}번)")


def _succeed(notice: Notice, how: str, *, remote: str, clock: Clock) -> None:
    now = clock.now()
    NoticeAccess.objects.filter(pk=_access(notice).pk).update(failures=0, locked_until=None, verified_at=now)
    audit.record("portal.verified", actor=f"citizen@{remote}", jurisdiction=notice.jurisdiction_id, target=notice,
                 clock=clock, detail={"method": how})


# --- way in 1: the intermediary's one-time token ------------------------------------------------------------------


def verify_intermediary_token(notice: Notice, *, channel: str, external_id: str, token: str,
                              providers: ProviderSet, remote: str, clock: Clock) -> None:
    """Verify an intermediary's one-time token with its adapter, report the read back and record it."""
    now = clock.now()
    error = None
    with transaction.atomic():
        access = _lock_access(notice, now)  # checked and counted under the lock (see _lock_access)
        attempt = (DeliveryAttempt.objects.filter(notice=notice, channel=channel, external_id=external_id)
                   .exclude(external_id="").first())
        if attempt is None:
            error = _fail(notice, "이 안내문의 전자문서 링크가 아닙니다.", remote=remote, clock=clock, access=access)
        else:
            adapter = asking_adapter(providers, attempt)  # under the contract the document was sent under
            check = adapter.verify_token(external_id, token)
            if not check.valid and check.code in STALE_TOKEN_CODES:
                # the same link opened again: not counted, never a lock (see the module's docstring)
                used = check.code in ("TOKEN_ALREADY_USED", "E202")
                audit.record("portal.link_stale", actor=f"citizen@{remote}", jurisdiction=notice.jurisdiction_id,
                             target=notice, clock=clock,
                             detail={"channel": channel, "reason": "used" if used else "expired"})
                error = StaleLink("이 링크는 이미 한 번 열렸습니다." if used else "이 링크의 인증 시간이 지났습니다.",
                                  channel=channel)  # the page adds REOPEN[channel] as its heading
            elif not check.valid:
                messages = {"INVALID_TOKEN": "인증 정보가 올바르지 않습니다.", "E201": "인증 정보가 올바르지 않습니다."}
                error = _fail(notice, messages.get(check.code or "", "인증 정보를 확인할 수 없습니다."), remote=remote,
                              clock=clock, access=access)
    if error is not None:
        raise error
    assert attempt is not None
    adapter.mark_read(external_id)  # the intermediary's read time is the one on the 유통증명서
    apply_reports([(attempt.pk, StatusReport(key=attempt.key, external_id=external_id, state=DeliveryState.READ,
                                             read_at=now))], now=now)
    _succeed(notice, channel, remote=remote, clock=clock)


# --- way in 2: 생년월일 + a code by SMS ---------------------------------------------------------------------------


def identity_label(notice: Notice) -> str:
    return "생년월일 6자리 (예: 850101)" if notice.taxpayer.is_individual else "사업자등록번호 10자리"


def _identity_matches(notice: Notice, answer: str) -> bool:
    digits = "".join(ch for ch in answer if ch.isdigit())
    number = notice.taxpayer.reveal_registration_number()  # machine comparison only; never shown
    expected = number[:6] if notice.taxpayer.is_individual else number
    return len(digits) == len(expected) and hmac.compare_digest(digits, expected)


def _code_hash(notice: Notice, code: str) -> str:
    return crypto.lookup_hash(f"otp:{notice.pk}:{code}")


def send_code(notice: Notice, *, identity: str, providers: ProviderSet, remote: str,
              clock: Clock) -> str:
    """Check 생년월일 / 사업자등록번호; send a code to the number on record. Returns the masked number it went to."""
    now = clock.now()
    _check_not_locked(notice, now)
    mobile = notice.taxpayer.mobile
    if not mobile:
        raise PortalError("등록된 휴대전화 번호가 없어 인증번호를 보낼 수 없습니다. "
                          f"{josa(sender_contact(notice), '으로')} 연락해 주십시오.")
    error = None
    with transaction.atomic():
        access = _lock_access(notice, now)  # the identity is compared and a failure counted under the lock
        if not _identity_matches(notice, identity):
            error = _fail(notice, "입력하신 정보가 등록된 정보와 다릅니다.", remote=remote, clock=clock, access=access)
    if error is not None:
        raise error
    last = OneTimeCode.objects.filter(notice=notice).order_by("-created_at").first()
    if last and now - last.created_at < CODE_RESEND_AFTER:
        raise PortalError("인증번호를 방금 보냈습니다. 30초 뒤에 다시 요청해 주십시오.")
    code = f"{secrets.randbelow(10**6):06d}"
    sms_key = f"otp-{notice.pk}-{secrets.token_hex(8)}"
    with transaction.atomic():
        OneTimeCode.objects.create(notice=notice, code_hash=_code_hash(notice, code), created_at=now,
                                   expires_at=now + CODE_VALID_FOR, sms_key=sms_key)
        audit.record("portal.code_sent", actor=f"citizen@{remote}", jurisdiction=notice.jurisdiction_id,
                     target=notice, clock=clock)
    sender = notice.jurisdiction.sender
    call = f" 문의 {sender.phone}" if sender.phone else ""
    providers.sms.send([SmsMessage(key=sms_key, phone=mobile,
                                   text=f"[{sender.name}] 안내문 열람 인증번호 {code} (5분 안에 입력){call}")])
    return f"{mobile[:3]}-****-{mobile[-4:]}"


def verify_code(notice: Notice, *, code: str, remote: str, clock: Clock) -> None:
    now = clock.now()
    code = code.strip()
    with transaction.atomic():
        # lock first, then check the lock, compare and count in this one transaction: 30 parallel wrong codes are
        # compared at most MAX_FAILURES times, the rest find the notice locked
        access = _lock_access(notice, now)
        candidate = (OneTimeCode.objects.select_for_update()
                     .filter(notice=notice, used_at__isnull=True, expires_at__gt=now).order_by("-created_at").first())
        if candidate is None or not code.isdigit() or not hmac.compare_digest(
                candidate.code_hash, _code_hash(notice, code)):
            why = ("유효한 인증번호가 없습니다. 인증번호를 다시 받아 주십시오." if candidate is None
                   else "인증번호가 맞지 않습니다.")
            error = _fail(notice, why, remote=remote, clock=clock, access=access)
        else:
            candidate.used_at = now
            candidate.save(update_fields=["used_at"])
            _succeed(notice, "sms-code", remote=remote, clock=clock)
            _record_portal_read(notice, now)
            return
    raise error


def _record_portal_read(notice: Notice, now: datetime) -> None:
    """A notice opened through our own link (SMS, paper): the SMS attempt, if any, is read; so is the notice."""
    sms = (DeliveryAttempt.objects.filter(notice=notice, channel=Channel.SMS)
           .exclude(status__in=(AttemptStatus.READ, AttemptStatus.QUEUED)).order_by("-sequence").first())
    if sms is not None:
        apply_reports([(sms.pk, StatusReport(key=sms.key, external_id=sms.external_id, state=DeliveryState.READ,
                                             read_at=now))], now=now)
    Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=now)


# --- what the page shows -------------------------------------------------------------------------------------------


def read_deadline(notice: Notice) -> datetime | None:
    """The last read deadline of the notice's electronic attempts (None: no electronic deadline)."""
    deadlines = [d for d in DeliveryAttempt.objects.filter(notice=notice, read_deadline__isnull=False)
                 .exclude(channel=Channel.PAPER).values_list("read_deadline", flat=True)]
    return max(deadlines) if deadlines else None


@dataclass(frozen=True)
class OwedLine:
    line_id: int
    tax_number: str
    tax_item: str
    tax_year: int
    payment_number: str
    enforcement_cost: int
    tax_due: int
    penalty: int
    total: int
    paid: bool


#: the levy's columns the day's amounts depend on (`Levy.owed`: the heads charged and paid, and `PenaltyBasis`)
OWED_FIELDS = ("tax_number", "tax_item", "tax_year", "status", "billed_amount", "paid_amount", "penalty",
               "penalty_paid", "enforcement_cost", "enforcement_cost_paid", "liability_date", "due_date", "principal",
               "city_area_tax", "education_tax", "assessment")
OWED_CACHE_SECONDS = 2 * 86_400  # the key holds the day; a day's entries are not read after it


@functools.cache
def _calculation_version() -> str:
    """A digest of the code and parameters the amounts come from (jingsu.law, jingsu.levies): a deployment that
    changes a rate or a rule never reads amounts cached by the one before it."""
    import jingsu.law
    import jingsu.levies

    h = hashlib.blake2b(digest_size=8)
    for package in (jingsu.law, jingsu.levies):
        root = Path(package.__file__).parent
        for f in sorted(root.rglob("*")):
            if f.is_file() and f.suffix in (".py", ".yaml", ".yml"):
                h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def owed_today(notice: Notice, today: date) -> list[OwedLine]:
    """Each bundled levy with what it owes today (`Levy.owed(today)`: 체납처분비, tax, and the penalty computed by
    jingsu.law as of today).

    Cached per notice and day, keyed by everything the figures depend on: the levies' columns read here (so a payment,
    a 체납처분비 or a status change is a new key and shows at once: nothing is invalidated, nothing can be stale), the
    day, and the version of the law's code and parameters. One light query per page instead of the law's work."""
    rows = list(NoticeLine.objects.filter(notice=notice).order_by("levy__tax_number")
                .values_list("pk", "payment_number", *(f"levy__{f}" for f in OWED_FIELDS)))
    digest = hashlib.blake2b(repr(rows).encode(), digest_size=16).hexdigest()
    key = (f"portal:owed:{notice.pk}:{notice.jurisdiction_id}:{today.isoformat()}:{_calculation_version()}:"
           f"{digest}")
    out: list[OwedLine] | None = cache.get(key)
    if out is not None:
        return out
    penalties = LevyPenalties(jurisdiction=notice.jurisdiction_id, as_of=today)
    out = []
    for line_id, payment_number, *values in rows:
        lv = Levy(jurisdiction_id=notice.jurisdiction_id, **dict(zip(OWED_FIELDS, values, strict=True)))
        o = lv.owed(today, penalties=penalties)
        out.append(OwedLine(line_id, lv.tax_number, lv.tax_item, lv.tax_year, payment_number, o.enforcement_cost,
                            o.tax, o.penalty, o.total, lv.status == Levy.Status.PAID or o.total == 0))
    cache.set(key, out, OWED_CACHE_SECONDS)
    return out


def paid_so_far(notice: Notice) -> tuple[int, datetime | None]:
    """What has been paid on the notice's levies (allocations net of reversals; the refund part of an overpayment is
    no payment of a levy) and when the last payment came."""
    from django.db.models import Max, Sum

    from jingsu.payments.models import Allocation

    agg = (Allocation.objects.filter(levy_id__in=NoticeLine.objects.filter(notice=notice).values("levy_id"))
           .exclude(head=Allocation.Head.REFUND).aggregate(total=Sum("amount"), last=Max("payment__received_at")))
    return int(agg["total"] or 0), agg["last"]


def touch_viewed(notice: Notice, *, remote: str, clock: Clock) -> None:
    """The page view's audit row: through the audit buffer (in Redis before the page is answered, moved into the audit
    log in order, in batches; written at once without Redis: jingsu.core.auditbuffer)."""
    auditbuffer.record("portal.view", actor=f"citizen@{remote}", jurisdiction=notice.jurisdiction_id, target=notice,
                       clock=clock)


def failures(notice: Notice) -> int:
    return NoticeAccess.objects.filter(notice=notice).values_list("failures", flat=True).first() or 0

