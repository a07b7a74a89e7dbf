"""Paper: the daily print batch, returned mail (반송) and 공시송달.

print_batch        claim queued paper attempts → one PrintBatch per (jurisdiction, mail class): one PDF per notice
                   (jingsu.notices.documents.render_pdfs) and a manifest CSV under out_dir/<batch_id>/, then submit the
                   batch to the post office. Accepted attempts move sending → accepted; the post office's statuses
                   (services.poll_statuses) move them on to delivered or failed.
import_returns     returned items (the post office's file, or PostOffice.returns(since)) → the paper attempt failed with
                   the reason, the notice undeliverable. All or nothing; the same file twice changes nothing.
create_public_notices  returned notices → PublicNotice rows (공시송달, effective 14 days after publication,
                   지방세기본법 제33조①) and the public-notice list (HTML and CSV, names masked, no registration numbers,
                   no addresses).

Formats: docs/formats/print-manifest.md, docs/formats/returns.md; overview in docs/delivery.md.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from jingsu.clock import SEOUL, Clock
from jingsu.core import audit
from jingsu.core.exports import csv_writer
from jingsu.core.files import private_dir, write_private, write_private_text
from jingsu.core.models import Jurisdiction
from jingsu.delivery.models import (
    AttemptStatus,
    Channel,
    DeliveryAttempt,
    PrintBatch,
    PublicNotice,
    ReturnedMail,
)
from jingsu.delivery.resend import RESENDABLE, resend_mail_classes
from jingsu.delivery.services import claim
from jingsu.korean import josa
from jingsu.law.procedure import public_notice_served
from jingsu.notices.models import Campaign, Notice
from jingsu.providers.base import MailClass, MailItem, ProviderError, ProviderSet

log = logging.getLogger(__name__)
S = AttemptStatus

MANIFEST_NAME = "manifest.csv"
MANIFEST_HEADER = ["일련번호", "우편물번호", "우편물구분", "우편번호", "주소", "수취인", "면수", "문서해시", "파일명"]


def default_out_dir() -> Path:
    return Path(settings.VAR_DIR) / "print"


# --- print batch ---------------------------------------------------------------------------------------------------


def campaign_mail_class(campaign: Campaign) -> MailClass:
    """The campaign's 우편 종류 (notices.Campaign.mail_class, default 일반)."""
    value = str(getattr(campaign, "mail_class", "") or MailClass.ORDINARY)
    registered = MailClass.REGISTERED
    return registered if value in (registered, registered.short) else MailClass.ORDINARY


_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def pdf_pages(pdf: bytes) -> int:
    return max(1, len(_PAGE.findall(pdf)))


#: A print claim's attempts are marked alive (`updated_at`) every this many rendered notices, so that the sweep of
#: stuck attempts (older than JINGSU_STUCK_AFTER) never takes a live claim for a dead worker's, however slowly the
#: machine renders (the fault drill, bench/drill.py, rendered at a third of the usual speed on a loaded machine).
RENEW_EVERY = 25


def _render(notices: Sequence[Notice], renew: Callable[[], None] | None = None) -> dict[int, bytes]:
    from jingsu.notices import documents

    qs = Notice.objects.filter(pk__in=[n.pk for n in notices]).order_by("pk")
    prepare = getattr(documents, "notices_for_rendering", None)
    if prepare is not None:
        qs = prepare(qs)
    out: dict[int, bytes] = {}
    for i, (n, pdf) in enumerate(documents.render_pdfs(list(qs)), start=1):
        out[n.pk] = pdf
        if renew is not None and i % RENEW_EVERY == 0:
            renew()
    return out


def _renew(group: Sequence[DeliveryAttempt], clock: Clock) -> None:
    """This claim is alive: its attempts still `sending` get the present as their last activity."""
    DeliveryAttempt.objects.filter(pk__in=[a.pk for a in group], status=S.SENDING).update(updated_at=clock.now())


def _write_manifest(path: Path, rows: Iterable[Sequence[Any]]) -> None:
    buf = io.StringIO()
    w = csv_writer(buf, lineterminator="\r\n")
    w.writerow(MANIFEST_HEADER)
    w.writerows(rows)
    write_private(path, buf.getvalue().encode("utf-8-sig"))  # UTF-8 with BOM: opens correctly in Excel; 0600


#: Paper attempts claimed at a time. Rendering takes about 0.2 s a notice, so a claim holds its attempts in `sending`
#: for about 100 s: well inside JINGSU_STUCK_AFTER (600 s), after which the sweep would take a live print batch's
#: attempts for a dead worker's (the fault drill, bench/drill.py, saw a claim of 5,000 swept while it rendered).
PRINT_CLAIM = 500


def print_batches(providers: ProviderSet, *, clock: Clock, registered: bool | None = None,
                  out_dir: Path | str | None = None, pdf: bool = True) -> list[PrintBatch]:
    """Hand every queued paper attempt to the post office, PRINT_CLAIM at a time, one batch per jurisdiction and mail
    class of each claim (`_print_claim`); stops early when a batch fails (its attempts wait for the next run)."""
    batches: list[PrintBatch] = []
    while True:
        claimed = _print_claim(providers, clock=clock, registered=registered, out_dir=out_dir, pdf=pdf)
        batches += claimed
        if not claimed or PrintBatch.objects.filter(pk__in=[b.pk for b in claimed],
                                                    status=PrintBatch.Status.FAILED).exists():
            return batches


def _print_claim(providers: ProviderSet, *, clock: Clock, registered: bool | None, out_dir: Path | str | None,
                 pdf: bool) -> list[PrintBatch]:
    """Claim up to PRINT_CLAIM queued paper attempts and hand them to the post office, one batch per jurisdiction
    and mail class.

    `pdf=False` submits the batch and writes the manifest without rendering the PDFs (the manifest's 파일명 and 면수
    are then empty and 문서해시 is the notice's content hash); the demo uses it, since WeasyPrint takes about 0.2 s
    per notice. Production print batches keep the default.

    `registered`: None follows each campaign's mail_class; True/False forces 등기/일반 for this run. If rendering
    or the post office fails, the claimed attempts go back to `queued` (the next run tries again with the same keys;
    the post office de-duplicates on them) and the batch is marked failed."""
    # only campaigns that are sending: a paused or cancelled campaign's paper waits (delivery.control); a resend a
    # person asked for (and a second person approved) goes with the next batch unless its campaign is paused or
    # cancelled (delivery.resend)
    sending = list(Campaign.objects.filter(status=Campaign.Status.SENDING).values_list("pk", flat=True))
    attempts = claim(Channel.PAPER, PRINT_CLAIM, now=clock.now(), campaigns=sending)
    if len(attempts) < PRINT_CLAIM:
        attempts += claim(Channel.PAPER, PRINT_CLAIM - len(attempts), now=clock.now(),
                          where=Q(resend__isnull=False, notice__campaign__status__in=RESENDABLE))
    if not attempts:
        return []
    resent = resend_mail_classes([a.pk for a in attempts])
    now = clock.now()
    out = Path(out_dir) if out_dir is not None else default_out_dir()
    notices = {n.pk: n for n in Notice.objects.filter(pk__in=[a.notice_id for a in attempts])
               .select_related("taxpayer", "campaign")}
    groups: dict[tuple[str, MailClass], list[DeliveryAttempt]] = defaultdict(list)
    for a in attempts:
        n = notices[a.notice_id]
        if registered is not None:
            mail = MailClass.REGISTERED if registered else MailClass.ORDINARY
        elif a.pk in resent:
            mail = MailClass.REGISTERED if resent[a.pk] == MailClass.REGISTERED else MailClass.ORDINARY
        else:
            mail = campaign_mail_class(n.campaign)
        groups[(n.jurisdiction_id, mail)].append(a)
    batches = []
    for (jurisdiction, mail), group in sorted(groups.items()):
        batches.append(_one_batch(group, notices, jurisdiction, mail, providers, now, out, clock, pdf,
                                  resent=set(resent)))
    return batches


def print_batch(providers: ProviderSet, *, clock: Clock, registered: bool | None = None,
                out_dir: Path | str | None = None, pdf: bool = True) -> int:
    """`print_batches`, returning the number of items the post office accepted (what the dispatcher counts)."""
    return sum(b.accepted for b in print_batches(providers, clock=clock, registered=registered, out_dir=out_dir,
                                                 pdf=pdf))


def _back_to_queue(group: Sequence[DeliveryAttempt], now: datetime, code: str) -> None:
    for a in group:
        a.move(S.QUEUED, at=now, code=code, tries=a.tries + 1)


def _one_batch(group: list[DeliveryAttempt], notices: dict[int, Notice], jurisdiction: str, mail: MailClass,
               providers: ProviderSet, now: datetime, out: Path, clock: Clock, pdf: bool = True,
               resent: set[int] | None = None) -> PrintBatch:
    group.sort(key=lambda a: a.pk)
    local = now.astimezone(SEOUL)
    batch_id = f"P{local:%Y%m%d%H%M%S}-{jurisdiction}-{'R' if mail == MailClass.REGISTERED else 'N'}-{group[0].pk}"
    directory = out / batch_id
    batch = PrintBatch.objects.create(batch_id=batch_id, created_at=now, jurisdiction_id=jurisdiction,
                                      mail_class=str(mail), count=len(group), directory=str(directory))
    try:
        pdfs = _render([notices[a.notice_id] for a in group], renew=lambda: _renew(group, clock)) if pdf else {}
        private_dir(out)
        private_dir(directory)  # 0700: the PDFs and the manifest hold names and addresses
        rows, items = [], []
        for serial, a in enumerate(group, start=1):
            n = notices[a.notice_id]
            t = n.taxpayer
            if pdf:
                content = pdfs[n.pk]
                name = f"{serial:06d}-{n.reference}.pdf"  # no personal data in file names
                write_private(directory / name, content)
                pages: int | str = pdf_pages(content)
                file_hash = hashlib.sha256(content).hexdigest()
            else:
                name, pages, file_hash = "", "", n.doc_hash
            rows.append([serial, a.key, mail.short, t.postal_code, t.address, t.name, pages, file_hash,
                         name])
            items.append(MailItem(key=a.key, mail_class=mail, postal_code=t.postal_code, address=t.address,
                                  recipient=t.name, pages=min(pages, 50) if isinstance(pages, int) else 1,
                                  doc_hash=n.doc_hash, payload=n.reference))
        manifest = directory / MANIFEST_NAME
        _write_manifest(manifest, rows)
    except Exception as exc:  # rendering or the disk: nothing was handed over
        log.exception("print batch %s could not be prepared", batch_id)
        _back_to_queue(group, now, "PRINT_FAILED")
        PrintBatch.objects.filter(pk=batch.pk).update(status=PrintBatch.Status.FAILED,
                                                      detail={"error": type(exc).__name__})
        batch.refresh_from_db()
        return batch
    try:
        receipt = providers.post.submit_batch(batch_id, items)
    except ProviderError as exc:
        log.warning("post office unavailable for %s: %s", batch_id, exc)
        _back_to_queue(group, now, "PROVIDER_DOWN")
        PrintBatch.objects.filter(pk=batch.pk).update(status=PrintBatch.Status.FAILED, manifest_path=str(manifest),
                                                      detail={"error": "PROVIDER_DOWN"})
        batch.refresh_from_db()
        return batch
    rejected = {r.key: r for r in receipt.rejected}
    on_paper: list[int] = []
    refused: dict[str, list[int]] = defaultdict(list)  # the post office's code → notices
    with transaction.atomic():
        for a in group:
            r = rejected.get(a.key)
            if r is None:
                a.move(S.ACCEPTED, at=now, external_id=batch_id, sent_at=now, tries=a.tries + 1)
                on_paper.append(a.notice_id)
            else:
                a.move(S.REJECTED, at=now, code=r.code or "REJECTED", tries=a.tries + 1)
                if a.pk not in (resent or ()):  # a refused resend leaves the notice as it was
                    refused[a.result_code].append(a.notice_id)
        # the notices, in bulk: on paper if still in delivery; undeliverable when refused (a read one stays read)
        Notice.move_where(Notice.objects.filter(pk__in=on_paper), Notice.Status.PAPER, at=now, actor="system:delivery",
                          reason=batch_id, sources=(Notice.Status.IN_DELIVERY,))
        for code, ids in refused.items():
            Notice.move_where(Notice.objects.filter(pk__in=ids), Notice.Status.UNDELIVERABLE, at=now, actor="system:delivery",
                              reason=code)
        accepted = len(group) - len(rejected)
        PrintBatch.objects.filter(pk=batch.pk).update(
            status=PrintBatch.Status.SUBMITTED, accepted=accepted, manifest_path=str(manifest),
            detail={"rejected": len(rejected)})
        audit.record("delivery.print_batch", actor="system:delivery", jurisdiction=jurisdiction, target=batch,
                     clock=clock, detail={"items": len(group), "accepted": accepted, "mail_class": str(mail)})
    batch.refresh_from_db()
    return batch


# --- returned mail (반송) -------------------------------------------------------------------------------------------


RETURN_COLUMNS = {"우편물번호": "key", "반송일": "returned_on", "사유": "reason"}
RETURN_ALIASES = {"key": "우편물번호", "returned_on": "반송일", "reason": "사유"}


class ReturnsRejected(Exception):
    """The returns file has errors; nothing was written. `errors` is a list of (line number, message)."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(f"{line}행: {msg}" for line, msg in errors[:20]))
        self.errors = errors


@dataclass(frozen=True)
class ReturnRow:
    key: str
    returned_on: date
    reason: str


@dataclass
class ReturnsSummary:
    rows: int = 0
    new: int = 0  # returns recorded now
    unchanged: int = 0  # already recorded (the same file again)
    attempts_failed: int = 0  # attempts moved to failed now (others had been failed by polling already)
    notices: list[int] = field(default_factory=list)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp949")


def read_returns_file(path: Path | str, *, today: date) -> list[ReturnRow]:
    """Parse and validate the post office's returns CSV (docs/formats/returns.md). Raises ReturnsRejected with every
    error (line numbers count the header as line 1)."""
    text = _decode(Path(path).read_bytes())
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ReturnsRejected([(1, "빈 파일입니다.")])
    names = [RETURN_ALIASES.get(h.strip(), h.strip()) for h in header]
    missing = [c for c in RETURN_COLUMNS if c not in names]
    if missing:
        raise ReturnsRejected([(1, f"필수 열이 없습니다: {', '.join(missing)}")])
    index = {c: names.index(c) for c in RETURN_COLUMNS}
    rows: list[ReturnRow] = []
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(names):
            errors.append((line, f"열 수가 {len(cells)}개입니다 ({len(names)}개 필요)."))
            continue
        key = cells[index["우편물번호"]].strip()
        raw_date = cells[index["반송일"]].strip()
        reason = cells[index["사유"]].strip()
        row_errors = []
        if not key:
            row_errors.append("우편물번호가 비어 있습니다.")
        elif key in seen:
            row_errors.append(f"우편물번호 {josa(key, '이')} {seen[key]}행과 중복됩니다.")
        try:
            returned_on = date.fromisoformat(raw_date)
            if returned_on > today:
                row_errors.append(f"반송일({raw_date})이 오늘보다 늦습니다. 이미 돌아온 우편만 기록할 수 있습니다.")
        except ValueError:
            returned_on = today
            row_errors.append(f"반송일 '{raw_date}'의 형식이 YYYY-MM-DD가 아닙니다.")
        if not reason:
            row_errors.append("사유가 비어 있습니다.")
        elif len(reason) > 20:
            row_errors.append("사유가 20자를 넘습니다.")
        if row_errors:
            errors.extend((line, e) for e in row_errors)
            continue
        seen[key] = line
        rows.append(ReturnRow(key, returned_on, reason))
    known = set(DeliveryAttempt.objects.filter(channel=Channel.PAPER, key__in=[r.key for r in rows])
                .values_list("key", flat=True))
    for r in rows:
        if r.key not in known:
            errors.append((seen[r.key], f"우편물번호 {r.key}에 해당하는 종이 발송이 없습니다."))
    if errors:
        raise ReturnsRejected(sorted(errors))
    return rows


def import_returns(rows: Sequence[ReturnRow], *, source: str = ReturnedMail.Source.FILE, actor: str,
                   clock: Clock) -> ReturnsSummary:
    """Record returned mail in one transaction: the paper attempt → failed (guarded; code = reason), the notice →
    undeliverable, one ReturnedMail row per attempt. Unknown keys raise ReturnsRejected and nothing is written."""
    now = clock.now()
    summary = ReturnsSummary(rows=len(rows))
    with transaction.atomic():
        attempts = {a.key: a for a in DeliveryAttempt.objects.select_for_update().filter(
            channel=Channel.PAPER, key__in=[r.key for r in rows])}
        unknown = [r.key for r in rows if r.key not in attempts]
        if unknown:
            raise ReturnsRejected([(0, f"우편물번호 {k}에 해당하는 종이 발송이 없습니다.") for k in unknown])
        existing = set(ReturnedMail.objects.filter(attempt__in=attempts.values()).values_list("attempt_id", flat=True))
        returned: dict[str, list[int]] = defaultdict(list)  # reason → notices
        for r in rows:
            a = attempts[r.key]
            if a.pk in existing:
                summary.unchanged += 1
                continue
            if a.status in (S.ACCEPTED, S.DELIVERED):
                if a.move(S.FAILED, at=now, code=r.reason):
                    summary.attempts_failed += 1
            elif a.status != S.FAILED:
                raise ReturnsRejected([(0, f"우편물번호 {josa(r.key, '은')} '{a.get_status_display()}' 상태라 반송 처리할 수 "
                                           "없습니다.")])
            returned[r.reason].append(a.notice_id)
            ReturnedMail.objects.create(attempt=a, notice_id=a.notice_id, returned_on=r.returned_on, reason=r.reason,
                                        source=source, imported_at=now)
            summary.new += 1
            summary.notices.append(a.notice_id)
        for reason, ids in returned.items():  # a read notice stays read
            Notice.move_where(Notice.objects.filter(pk__in=ids), Notice.Status.UNDELIVERABLE, at=now, actor=actor,
                              reason=reason)
        if summary.new:
            audit.record("delivery.import_returns", actor=actor, jurisdiction=None, target_type="delivery.returnedmail",
                         target_id=f"{summary.new} rows", clock=clock,
                         detail={"rows": summary.rows, "new": summary.new, "unchanged": summary.unchanged,
                                 "source": str(source)})
    return summary


def fetch_returns(providers: ProviderSet, since: date, *, actor: str, clock: Clock) -> ReturnsSummary:
    """Returns from the post office's API since `since`; keys that are not ours are skipped (logged)."""
    returned = providers.post.returns(since)
    ours = set(DeliveryAttempt.objects.filter(channel=Channel.PAPER, key__in=[r.key for r in returned])
               .values_list("key", flat=True))
    skipped = [r.key for r in returned if r.key not in ours]
    if skipped:
        log.warning("post office returns: %d keys that are not ours skipped", len(skipped))
    rows = [ReturnRow(r.key, r.returned_on, r.reason[:20]) for r in returned if r.key in ours]
    return import_returns(rows, source=ReturnedMail.Source.API, actor=actor, clock=clock)


# --- 공시송달 ---------------------------------------------------------------------------------------------------------


#: a legal-form mark before or after a corporate name, kept as it is by `mask_name`
_LEGAL_FORM = re.compile(r"^(\((?:주|유|사|재|합|합자|유한|복)\)|㈜|㈔|㈐)\s*")
_LEGAL_FORM_AFTER = re.compile(r"\s*(\((?:주|유|사|재|합|합자|유한|복)\)|㈜|㈔|㈐)$")


def mask_name(name: str) -> str:
    """김민준 → 김*준, 김민 → 김*, 남궁민수 → 남**수; spaces are kept; a legal-form mark before or after a corporate name is
    kept: (주)한국상회 → (주)한**회, 성진산업(주) → 성**업(주). Nothing else of the person is shown."""
    form = _LEGAL_FORM.match(name.strip())
    if form and name.strip()[form.end():]:
        return form.group(0) + mask_name(name.strip()[form.end():])
    form = _LEGAL_FORM_AFTER.search(name.strip())
    if form and name.strip()[:form.start()]:
        return mask_name(name.strip()[:form.start()]) + form.group(0)
    chars = list(name.strip())
    letters = [i for i, c in enumerate(chars) if not c.isspace()]
    if len(letters) <= 1:
        return "*" * len(chars)
    keep = {letters[0]} if len(letters) == 2 else {letters[0], letters[-1]}
    return "".join(c if (i in keep or c.isspace()) else "*" for i, c in enumerate(chars))


@dataclass
class PublicNoticeList:
    jurisdiction: Jurisdiction
    published_on: date
    effective_on: date
    created: int
    rows: list[dict[str, Any]]
    html_path: Path | None = None
    csv_path: Path | None = None


PUBLIC_LIST_HEADER = ["순번", "성명", "과세번호", "세목", "과세연도", "금액", "서류명", "공시송달 사유", "공고일", "효력발생일"]


def create_public_notices(jurisdiction: Jurisdiction, published_on: date, actor: str, *,
                          clock: Clock, out_dir: Path | str | None = None) -> PublicNoticeList:
    """Publish (공시송달) every returned, unread notice of the jurisdiction that has no public notice yet, and write the
    list of everything published on `published_on` (HTML and CSV). Running it again creates nothing new."""
    j = jurisdiction
    effective_on = public_notice_served(j.code, published_on)  # 지방세기본법 제33조① (14일), 민법 제161조
    now = clock.now()
    with transaction.atomic():
        candidates = (
            ReturnedMail.objects.filter(notice__jurisdiction=j, notice__status=Notice.Status.UNDELIVERABLE,
                                        notice__read_at__isnull=True, notice__public_notice__isnull=True)
            .order_by("notice_id", "-returned_on")
        )
        reasons: dict[int, str] = {}
        for rm in candidates:
            reasons.setdefault(rm.notice_id, rm.reason)
        PublicNotice.objects.bulk_create([
            PublicNotice(notice_id=nid, jurisdiction=j, published_on=published_on, effective_on=effective_on,
                         reason=f"우편 반송({reason})", created_by=actor, created_at=now)
            for nid, reason in sorted(reasons.items())
        ])
        if reasons:
            audit.record("delivery.public_notice", actor=actor, jurisdiction=j, target_type="delivery.publicnotice",
                         target_id=f"{len(reasons)} rows", clock=clock,
                         detail={"published_on": published_on.isoformat(), "effective_on": effective_on.isoformat(),
                                 "notices": len(reasons)})
    rows = public_notice_rows(j, published_on)
    result = PublicNoticeList(j, published_on, effective_on, len(reasons), rows)
    out = Path(out_dir) if out_dir is not None else Path(settings.VAR_DIR) / "public-notices"
    private_dir(out)
    stem = f"공시송달-{j.code}-{published_on.isoformat()}"
    result.csv_path = out / f"{stem}.csv"
    result.html_path = out / f"{stem}.html"
    buf = io.StringIO()
    w = csv_writer(buf, lineterminator="\r\n")
    w.writerow(PUBLIC_LIST_HEADER)
    w.writerows([[r[h] for h in PUBLIC_LIST_HEADER] for r in rows])
    write_private(result.csv_path, buf.getvalue().encode("utf-8-sig"))
    write_private_text(result.html_path, render_public_notice_html(j, published_on, effective_on, rows))
    return result


def public_notice_rows(jurisdiction: Jurisdiction, published_on: date) -> list[dict[str, Any]]:
    """One row per notice line (과세번호) of the notices published that day. Name masked; no registration number,
    no address, no phone."""
    from jingsu.law.tax_items import TAX_ITEMS
    from jingsu.notices.models import NoticeLine

    pns = {p.notice_id: p for p in PublicNotice.objects.filter(
        jurisdiction=jurisdiction, published_on=published_on, status=PublicNotice.Status.PUBLISHED)
        .select_related("notice__taxpayer", "notice__campaign")}
    lines = NoticeLine.objects.filter(notice_id__in=pns).select_related("levy").order_by("notice_id", "levy__tax_number")
    rows = []
    for line in lines:
        p = pns[line.notice_id]
        item = TAX_ITEMS.get(line.levy.tax_item)
        rows.append({
            "순번": len(rows) + 1,
            "성명": mask_name(p.notice.taxpayer.name),
            "과세번호": line.levy.tax_number,
            "세목": getattr(item, "name", None) or line.levy.get_tax_item_display(),
            "과세연도": line.levy.tax_year,
            "금액": line.total,
            "서류명": p.notice.campaign.get_kind_display(),
            "공시송달 사유": p.reason,
            "공고일": p.published_on.isoformat(),
            "효력발생일": p.effective_on.isoformat(),
        })
    return rows


def render_public_notice_html(j: Jurisdiction, published_on: date, effective_on: date,
                              rows: list[dict[str, Any]]) -> str:
    sender = j.sender  # the office and team as set now (`jingsu office`), with the number to call
    office = html.escape(sender.office)
    ask = html.escape(f"{sender.name}(전화 {sender.phone})" if sender.phone else sender.name)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in PUBLIC_LIST_HEADER)
    body = "".join(
        "<tr>" + "".join(
            f"<td class=num>{r[h]:,}</td>" if h == "금액" else f"<td>{html.escape(str(r[h]))}</td>"
            for h in PUBLIC_LIST_HEADER) + "</tr>"
        for r in rows
    )
    return f"""<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>{office} 지방세 공시송달 공고</title>
<style>body{{font-family:"NanumGothic",sans-serif;margin:2em}}table{{border-collapse:collapse}}
th,td{{border:1px solid #999;padding:.3em .6em}}td.num{{text-align:right}}</style></head>
<body>
<h1>{office} 지방세 공시송달 공고</h1>
<p>아래 납세자에게 지방세 관계 서류를 우편으로 송달하였으나 반송되어 송달할 수 없으므로, 「지방세기본법」 제33조에 따라
서류의 주요 내용을 공고합니다. 이 공고일({published_on.isoformat()})부터 14일이 지난 {effective_on.isoformat()}에 서류가 송달된
것으로 봅니다.</p>
<p>서류는 {ask}에서 본인 확인 후 교부받거나 열람할 수 있습니다. (개인정보 보호를 위해 성명 일부를 가렸습니다.)</p>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<p>공고 건수: {len(rows)}건</p>
</body></html>
"""
