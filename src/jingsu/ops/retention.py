"""Destroying a taxpayer's personal data when its retention period has ended (`jingsu retention run`;
docs/operations.md "Personal data over its life").

개인정보 보호법 제21조①: once the period ends, the data is destroyed without delay. How long is the law's answer
(`jingsu.law.retention`, params/kr/retention.yaml: 5 years from the day after the last event, 지방세기본법 제64조①).
Whether anything still needs the data is the record's, checked here. A taxpayer is left alone while any of these
holds (each counted by reason in the report):

- a levy still open (정상·징수유예·분할납부·불복) — the debt is still collected;
- an 체납처분 case not released or closed;
- a refund not yet paid or cancelled;
- an installment plan requested or approved, a callback request open;
- a notice still pending or in delivery;
- a last event before the first version of the rule (the law has no answer: kept, counted as 확인 필요).

What destruction does (pseudonymisation of the row — levies, notices and payments stay as the office's accounting
record, pointing at a taxpayer who can no longer be identified): the encrypted registration number and the CI are
deleted, the registration hash becomes a marker unique to the row, the name and masked number become "(파기)", the
address, postal code and mobile number are emptied. Each destroyed taxpayer gets an audit row (`taxpayer.destroy`,
no personal data in it: the row's id, the last event, the legal basis), and the run one (`retention.run`, counts).
Audit rows themselves are never deleted (the access log is kept at least `access_log_years`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.db.models import DateTimeField, Exists, Max, OuterRef, Q

from jingsu.clock import SEOUL, Clock
from jingsu.core import audit
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.law import retention as law
from jingsu.law.errors import NoRuleForDate


@dataclass
class RetentionReport:
    as_of: date
    dry_run: bool
    destroyed: int = 0
    kept: Counter[str] = field(default_factory=Counter)
    next_due: date | None = None  # the earliest day a kept taxpayer's period ends


def _last_event() -> dict[str, object]:
    """Annotations: the latest moment of each kind of event of the taxpayer (None when there is none)."""
    from jingsu.levies.models import Levy
    from jingsu.notices.models import Notice
    from jingsu.payments.models import Refund

    def latest(model: type, column: str) -> object:
        from django.db.models import Subquery

        return Subquery(model.objects.filter(taxpayer=OuterRef("pk")).values("taxpayer")
                        .annotate(m=Max(column)).values("m")[:1], output_field=DateTimeField())

    return {
        "levy_at": latest(Levy, "updated_at"),
        "notice_at": latest(Notice, "created_at"),
        "paid_at": latest(Notice, "paid_at"),
        "read_at": latest(Notice, "read_at"),
        "refund_at": latest(Refund, "created_at"),
    }


def run(jurisdiction: Jurisdiction, *, as_of: date, actor: str, clock: Clock, dry_run: bool = False,
        batch: int = 1000) -> RetentionReport:
    """Destroy what has expired in `jurisdiction` on `as_of` (nothing is written with `dry_run`)."""
    from jingsu.assistance.models import CallbackRequest, InstallmentPlan
    from jingsu.enforcement.models import FINAL, EnforcementCase
    from jingsu.levies.models import Levy
    from jingsu.notices.models import Notice
    from jingsu.payments.models import Refund
    from jingsu.taxpayers.models import Taxpayer, TaxpayerCI

    report = RetentionReport(as_of=as_of, dry_run=dry_run)
    t = OuterRef("pk")
    blockers = {
        "open_levy": Exists(Levy.objects.filter(taxpayer=t, status__in=Levy.OPEN_STATUSES)),
        "open_case": Exists(EnforcementCase.objects.filter(taxpayer=t).exclude(status__in=FINAL)),
        "refund_pending": Exists(Refund.objects.filter(taxpayer=t, status__in=(Refund.Status.PENDING,
                                                                        Refund.Status.NOTIFIED))),
        "installments": Exists(InstallmentPlan.objects.filter(taxpayer=t, status__in=InstallmentPlan.OPEN_STATUSES)),
        "callback_open": Exists(CallbackRequest.objects.filter(taxpayer=t, status=CallbackRequest.Status.OPEN)),
        "notice_in_delivery": Exists(Notice.objects.filter(taxpayer=t, status__in=(Notice.Status.PENDING,
                                                                                    Notice.Status.IN_DELIVERY))),
    }
    rows = (Taxpayer.objects.filter(jurisdiction=jurisdiction).exclude(registration_masked=Taxpayer.DESTROYED)
            .annotate(**blockers, **_last_event()).order_by("pk"))
    expired: list[tuple[int, date, str]] = []
    for row in rows.iterator(chunk_size=2000):
        reason = next((code for code in blockers if getattr(row, code)), None)
        if reason:
            report.kept[reason] += 1
            continue
        moments: list[datetime] = [m for m in (row.levy_at, row.notice_at, row.paid_at, row.read_at, row.refund_at,
                                                row.updated_at) if m is not None]
        last = max(moments).astimezone(SEOUL).date()
        try:
            destroy_from, ref = law.identity_destroy_from(jurisdiction.code, last)
        except NoRuleForDate:
            report.kept["no_rule"] += 1
            continue
        if as_of < destroy_from:
            report.kept["within_period"] += 1
            report.next_due = min(report.next_due or destroy_from, destroy_from)
            continue
        expired.append((row.pk, last, ref))
    report.destroyed = len(expired)
    if dry_run:
        return report
    now = clock.now()
    for start in range(0, len(expired), batch):
        chunk = expired[start:start + batch]
        ids = [pk for pk, _, _ in chunk]
        with transaction.atomic():
            # re-checked under lock: a levy imported or a payment booked since the scan keeps the taxpayer
            locked = set(Taxpayer.objects.select_for_update().filter(pk__in=ids)
                         .annotate(**blockers).filter(*(~Q(**{code: True}) for code in blockers))
                         .values_list("pk", flat=True))
            chunk = [c for c in chunk if c[0] in locked]
            report.destroyed -= len(ids) - len(chunk)
            TaxpayerCI.objects.filter(taxpayer_id__in=locked).delete()
            for pk, _, _ in chunk:
                Taxpayer.objects.filter(pk=pk).update(
                    name=Taxpayer.DESTROYED, registration_masked=Taxpayer.DESTROYED, registration_encrypted="",
                    registration_hash=f"destroyed-{pk}", address="", postal_code="", mobile="", updated_at=now)
            AuditLog.objects.bulk_create([
                AuditLog(jurisdiction_id=jurisdiction.code, at=now, actor=actor, action="taxpayer.destroy",
                         target_type="taxpayers.taxpayer", target_id=str(pk),
                         detail={"last_event": last.isoformat(), "basis": ref})
                for pk, last, ref in chunk])
    audit.record("retention.run", actor=actor, jurisdiction=jurisdiction, clock=clock, detail={
        "as_of": as_of.isoformat(), "destroyed": report.destroyed, "kept": dict(report.kept)})
    return report
