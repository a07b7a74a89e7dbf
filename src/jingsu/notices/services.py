"""Campaign operations: create, build (select arrears, one notice per taxpayer), approve (maker-checker).

Build is one transaction: it selects the open arrears that pass the campaign's filters as of the campaign date,
groups them by taxpayer, computes each line's penalty with jingsu.law (through levies.penalties), assigns the
control group, hashes each notice's canonical content, and writes notices and lines in bulk.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import random
import secrets
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import groupby
from operator import itemgetter
from types import SimpleNamespace
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q

from jingsu.clock import Clock
from jingsu.core import audit
from jingsu.core.db import insert_rows
from jingsu.core.models import Jurisdiction
from jingsu.korean import josa
from jingsu.law.enforcement import VEHICLE_TAX, explanation_period_end, publication_date
from jingsu.law.procedure import demand_payment_deadline, next_working_day
from jingsu.law.tax_items import TAX_ITEMS
from jingsu.levies.models import Levy, Owed, owed
from jingsu.levies.numbers import payment_number
from jingsu.levies.penalties import BASIS_FIELDS, LevyPenalties
from jingsu.notices import experiments
from jingsu.notices.documents import (
    ALERT_TITLE_MAX,
    CanonicalEncoder,
    TemplateError,
    campaign_figures,
    canonical_line,
    missing_required_items,
    render_alert,
    wording_problems,
)
from jingsu.notices.hooks import money, next_measures
from jingsu.notices.models import (
    Campaign,
    Channel,
    MailClass,
    Notice,
    NoticeLine,
    NoticeTemplate,
    channel_order_problem,
    default_channels,
)
from jingsu.taxpayers.models import Taxpayer


class CampaignError(Exception):
    """A campaign operation that cannot be done (message in Korean, for the official)."""


FILTER_KEYS = {"tax_items", "min_amount", "max_amount", "min_age", "max_age", "include_statuses"}
EXCLUDED_BY_DEFAULT = (Levy.Status.DEFERRED, Levy.Status.INSTALLMENT, Levy.Status.APPEAL)


def create_campaign(
    jurisdiction: Jurisdiction,
    *,
    name: str,
    kind: str,
    as_of: date,
    actor: str,
    filters: dict[str, Any] | None = None,
    control_share: int = 0,
    read_deadline_days: int = 7,
    fallback_hours: int = 24,
    clock: Clock,
    template: NoticeTemplate | None = None,
    pay_by: date | None = None,
    send_window_start: time | None = None,
    send_window_end: time | None = None,
    channels: list[str] | None = None,
    mail_class: str | None = None,
    control_seed: int | None = None,
    taxpayers: Iterable[Taxpayer | int] | None = None,
    measure_on: date | None = None,
) -> Campaign:
    """A draft campaign. Without `template`, the latest active standard version for the kind is used (the wording
    library's other styles are chosen explicitly, e.g. for an experiment's arms: shipping one never changes what a
    campaign gets by default). Without `pay_by`, the
    납부기한 printed on the notices is as_of + 14 days (a 독촉장's must fall within 20 days of issue, 지방세징수법
    제32조③; approval checks it). `control_seed` draws the control group (random when not given): the console's
    wizard passes the seed its preview used, so the group it previewed is the group that is built.

    The enforcement steps (Campaign.MEASURE_KINDS: 명단공개 사전 통지, 관허사업 제한 예고, 번호판 영치 예고, 신용정보
    제공 예고) are not built from a filter but for `taxpayers` (the ones an enforcement case names; the build makes
    one notice for each that still owes), and print `measure_on`, the day the measure is to be taken (for 명단공개
    the 공개 예정일; without it, the practice publication day after the 소명 기간, jingsu.law). They have no control
    group, go electronically only to 전자송달 applicants and otherwise by registered mail (`MEASURE_CHANNELS`,
    Campaign.MEASURE_MAIL_CLASS; docs/notices.md)."""
    if kind in Campaign.MEASURE_KINDS:
        targets = _measure_targets(jurisdiction, kind, taxpayers, as_of, measure_on, filters, control_share)
        if kind == Campaign.Kind.DISCLOSURE and measure_on is None:
            measure_on = publication_date(jurisdiction.code,
                                          explanation_period_end(jurisdiction.code, as_of) + timedelta(days=1))
            if measure_on is None:
                raise CampaignError("공개 예정일을 정할 수 없습니다. 조치 예정일을 입력하세요.")
        if mail_class is None:
            mail_class = Campaign.MEASURE_MAIL_CLASS
        elif mail_class != Campaign.MEASURE_MAIL_CLASS:
            raise CampaignError(f"{Campaign.Kind(kind).label}의 종이 우편은 등기우편이어야 합니다 (송달을 증명해야 합니다).")
        if channels is None:
            channels = list(MEASURE_CHANNELS)
    elif taxpayers is not None or measure_on is not None:
        raise CampaignError("대상 납세자와 조치 예정일은 체납처분 예고·통지 캠페인에만 지정합니다.")
    else:
        targets = []
    if mail_class is None:
        mail_class = MailClass.ORDINARY
    filters = dict(filters or {})
    unknown = set(filters) - FILTER_KEYS
    if unknown:
        raise CampaignError(f"알 수 없는 대상 조건: {', '.join(sorted(unknown))}")
    for code in filters.get("tax_items", []):
        if code not in TAX_ITEMS:
            raise CampaignError(f"알 수 없는 세목 코드: {code}")
    if kind not in Campaign.Kind.values:
        raise CampaignError(f"알 수 없는 캠페인 종류: {kind}")
    if not 0 <= control_share <= 50:
        raise CampaignError("대조군 비율은 0–50% 사이여야 합니다.")
    if control_share and Campaign.NATURE_OF_KIND[Campaign.Kind(kind)] == Campaign.LegalNature.FORMAL:
        # a 고지서·독촉장 must reach every taxpayer it is due to (지방세징수법 제32조①: 독촉장을 발급하여야 한다);
        # only an informational 안내문 may be held back from a control group (docs/experiments.md)
        raise CampaignError(f"{josa(Campaign.Kind(kind).label, '은')} 법이 정한 서류라 대조군을 둘 수 없습니다 "
                            "(모든 대상자에게 보내야 합니다).")
    if not 1 <= read_deadline_days <= 30:
        raise CampaignError("열람 기한은 1–30일 사이여야 합니다.")
    channels = default_channels() if channels is None else list(channels)
    problem = channel_order_problem(channels)
    if problem:
        raise CampaignError(problem)
    if mail_class not in MailClass.values:
        raise CampaignError(f"알 수 없는 우편 종류: {mail_class}")
    window = {}
    if send_window_start is not None:
        window["send_window_start"] = send_window_start
    if send_window_end is not None:
        window["send_window_end"] = send_window_end
    if send_window_start and send_window_end and send_window_start >= send_window_end:
        raise CampaignError("발송 시작 시각은 종료 시각보다 빨라야 합니다.")
    if template is None:
        template = (NoticeTemplate.objects.filter(kind=kind, style=NoticeTemplate.Style.STANDARD, active=True)
                    .order_by("-version").first())
        if template is None:
            raise CampaignError(f"'{Campaign.Kind(kind).label}'에 쓸 수 있는 서식이 없습니다.")
    elif template.kind != kind:
        raise CampaignError(f"서식({template})의 종류가 캠페인 종류와 다릅니다.")
    elif not template.active:
        raise CampaignError(f"사용 중지된 서식입니다: {template}")
    if pay_by is None:
        # 14 days is the office's default, not a legal figure; the date moves off holidays (지방세기본법 제24조).
        pay_by = next_working_day(jurisdiction.code, as_of + timedelta(days=14))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            jurisdiction=jurisdiction,
            name=name,
            kind=kind,
            legal_nature=Campaign.NATURE_OF_KIND[Campaign.Kind(kind)],
            as_of=as_of,
            filters=filters,
            control_share=control_share,
            control_seed=secrets.randbits(48) if control_seed is None else control_seed,
            read_deadline_days=read_deadline_days,
            fallback_hours=fallback_hours,
            created_by=actor,
            created_at=clock.now(),
            template=template,
            pay_by=pay_by,
            channels=channels,
            mail_class=mail_class,
            targets=targets,
            measure_on=measure_on,
            **window,
        )
        detail = {"kind": kind, "filters": filters, "control_share": control_share,
                  "template": [template.kind, template.version], "channels": channels}
        if targets:
            detail |= {"targets": len(targets), "measure_on": measure_on.isoformat() if measure_on else None,
                       "mail_class": mail_class}
        audit.record("campaign.create", actor=actor, jurisdiction=jurisdiction, target=campaign, clock=clock,
                     detail=detail)
    return campaign


#: The channels of an enforcement step, in order: the two 공인전자문서중계자 of 「전자문서 및 전자거래 기본법」 (their
#: 유통증명 records delivery and reading), then registered paper. A plain SMS is left out: it proves nothing of the
#: document it links to.
MEASURE_CHANNELS = (Channel.KAKAO, Channel.KT, Channel.PAPER)


def _measure_targets(jurisdiction: Jurisdiction, kind: str, taxpayers: Iterable[Taxpayer | int] | None,
                     as_of: date, measure_on: date | None, filters: dict[str, Any] | None,
                     control_share: int) -> list[int]:
    """The checked taxpayer ids of an enforcement step (its `targets`), or CampaignError."""
    label = Campaign.Kind(kind).label
    if filters:
        raise CampaignError(f"{josa(label, '은')} 대상 조건이 아니라 대상 납세자를 지정하여 만듭니다.")
    if control_share:
        raise CampaignError(f"{label}에는 대조군을 둘 수 없습니다 (모든 대상자에게 알려야 합니다).")
    ids = sorted({t if isinstance(t, int) else t.pk for t in (taxpayers or [])})
    if not ids:
        raise CampaignError(f"{label}의 대상 납세자를 지정하세요.")
    found = set(Taxpayer.objects.filter(jurisdiction=jurisdiction, pk__in=ids).values_list("pk", flat=True))
    if len(found) != len(ids):
        raise CampaignError(f"이 자치단체의 납세자가 아닙니다: {', '.join(str(i) for i in ids if i not in found)}")
    if measure_on is None and kind != Campaign.Kind.DISCLOSURE:
        raise CampaignError(f"{label}의 조치 예정일을 입력하세요.")
    if measure_on is not None and measure_on <= as_of:
        raise CampaignError(f"조치 예정일({measure_on:%Y-%m-%d})은 통지 기준일({as_of:%Y-%m-%d}) 뒤여야 합니다.")
    if kind == Campaign.Kind.DISCLOSURE and measure_on is not None:
        until = explanation_period_end(jurisdiction.code, as_of)
        if measure_on <= until:
            raise CampaignError(f"공개 예정일({measure_on:%Y-%m-%d})은 소명 기간이 끝난 날({until:%Y-%m-%d}) 뒤여야 "
                                "합니다 (지방세징수법 제11조③).")
    return ids


def select_arrears(campaign: Campaign) -> Any:
    """The levies a campaign would bundle, ordered by taxpayer then 과세번호.

    A 환급금 안내 (refund) campaign addresses the taxpayers with a pending refund (과오납, `payments.Refund`): the
    levies carrying the refund, plus that taxpayer's arrears, against which the refund is set off first
    (지방세기본법 제60조)."""
    f = campaign.filters
    qs = Levy.objects.filter(jurisdiction=campaign.jurisdiction).arrears(campaign.as_of)
    statuses = [Levy.Status.NORMAL, *f.get("include_statuses", [])]
    qs = qs.filter(status__in=statuses)
    if campaign.kind == Campaign.Kind.REFUND:
        pending = money().pending_refunds(campaign.jurisdiction_id)
        qs = Levy.objects.filter(jurisdiction=campaign.jurisdiction).filter(
            Q(pk__in=pending.values("levy_id")) | Q(pk__in=qs.values("pk"), taxpayer_id__in=pending.values(
                "taxpayer_id")))
    if campaign.kind in Campaign.MEASURE_KINDS:
        # the taxpayers the case named, with what they owe; a 번호판 영치 예고 is about the 자동차세 arrears only
        qs = qs.filter(taxpayer_id__in=campaign.targets)
        if campaign.kind == Campaign.Kind.PLATE:
            qs = qs.filter(tax_item=VEHICLE_TAX)
    if f.get("tax_items"):
        qs = qs.filter(tax_item__in=f["tax_items"])
    if f.get("min_age") is not None:
        qs = qs.filter(arrears_age__gte=f["min_age"])
    if f.get("max_age") is not None:
        qs = qs.filter(arrears_age__lte=f["max_age"])
    return qs.order_by("taxpayer_id", "tax_number")


@dataclass
class BuildSummary:
    notices: int
    control: int
    lines: int
    total_amount: int
    # an enforcement step's targets that owed nothing the build could carry (paid meanwhile): no notice for them
    skipped: list[int] | None = None


def build_campaign(campaign: Campaign, *, actor: str, clock: Clock, batch_size: int = 5000,
                   processes: int = 1) -> BuildSummary:
    """Create one notice per selected taxpayer bundling all their selected arrears. Idempotent: a built campaign
    is not built again.

    `processes` > 1: this process reads the arrears, computes the lines and draws the groups, and `processes` − 1
    helper processes (forked; they never touch the database) hash and lay out the notices, a batch of `batch_size`
    consecutive taxpayers each, stored in taxpayer order as they come back — the same notices as with one process.
    Meant for a large build run from a command or the bench on a machine with cores to spare; the default (1) does
    everything here (a Celery prefork worker's process may not fork helpers of its own)."""
    if campaign.status != Campaign.Status.DRAFT:
        raise CampaignError(f"이미 대상이 확정된 캠페인입니다 (상태: {campaign.get_status_display()}).")
    now = clock.now()
    summary = BuildSummary(0, 0, 0, 0)
    # canonical_content reads the issuer and template once per build (this instance), not once per notice
    header = Campaign.objects.select_related("jurisdiction", "template").get(pk=campaign.pk)
    # the issuer is frozen now: the notices' content and hash carry it (docs/notices.md)
    header.issuer = header.jurisdiction.sender.as_issuer()
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != Campaign.Status.DRAFT:
            raise CampaignError("이미 대상이 확정된 캠페인입니다.")
        # plain tuples (`_Row`'s fields, the penalty's basis last), not model instances: a campaign can bundle millions
        # of levies
        levies = (
            select_arrears(campaign)
            .annotate(taxpayer_name=F("taxpayer__name"), taxpayer_masked=F("taxpayer__registration_masked"))
            .values_list(*_ROW_FIELDS)
            .iterator(chunk_size=2 * batch_size)
        )
        penalties = LevyPenalties(jurisdiction=campaign.jurisdiction_id, as_of=campaign.as_of)
        refunds = _pending_refunds(campaign)
        # an experiment's arms (notices.experiments): each taxpayer drawn once, each arm's documents from its template
        assigner = experiments.Assigner(campaign)
        arm_templates = {a.pk: a.template for a in assigner.arms}
        # the figures the templates' data-filled claims state, frozen now (Campaign.figures): every alert says the same
        header.figures = campaign_figures(header, [header.template, *arm_templates.values()])
        writer = _Writer(header, arm_templates, refunds, now, processes)
        try:
            summary = _build_notices(campaign, levies, writer, penalties, assigner, summary, batch_size)
        finally:
            writer.close()  # its last COPY finished (or failed) before the transaction ends
        if campaign.is_measure:
            built = set(Notice.objects.filter(campaign=campaign).values_list("taxpayer_id", flat=True))
            summary.skipped = [t for t in campaign.targets if t not in built]
        if summary.notices == 0:
            if campaign.is_measure:
                raise CampaignError("지정한 납세자에게 알릴 체납액이 남아 있지 않습니다.")
            raise CampaignError("조건에 맞는 체납자가 없습니다. 대상 조건을 확인하세요.")
        locked.move(Campaign.Status.BUILT, at=now, actor=actor, issuer=header.issuer, figures=header.figures)
        audit.record("campaign.build", actor=actor, jurisdiction=campaign.jurisdiction_id, target=campaign,
                     clock=clock, detail={k: v for k, v in summary.__dict__.items() if v is not None})
    campaign.refresh_from_db(fields=["status", "issuer", "figures"])
    return summary


def _build_notices(campaign: Campaign, levies: Iterable[_Row], writer: _Writer, penalties: LevyPenalties,
                   assigner: experiments.Assigner, summary: BuildSummary, batch_size: int) -> BuildSummary:
    """The build's pass over the selected levies (plain rows, by taxpayer then 과세번호): each taxpayer's lines (what
    each owes, its penalty by jingsu.law, its 전자납부번호), the amount filter, the group drawn, then a draft handed to
    `writer` every `batch_size` notices."""
    f = campaign.filters
    min_amount, max_amount = f.get("min_amount"), f.get("max_amount")
    rng_seed = campaign.control_seed
    penalty_of = penalties.of_fields
    drafts: list[_Draft] = []
    jurisdiction_id = campaign.jurisdiction_id
    paid_status = Levy.Status.PAID
    for taxpayer_id, group in groupby(levies, key=itemgetter(1)):
        rows: list[_Row] = list(group)
        numbered = []
        total = 0
        for lv in rows:
            if lv[_STATUS] == paid_status:  # paid in full (a refund line): nothing owed, no penalty runs
                o = Owed(0, 0, 0)
            else:
                # the one definition (as Levy.owed(as_of)), on plain rows
                o = owed(enforcement_cost=lv[_ENFORCEMENT_COST], enforcement_cost_paid=lv[_ENFORCEMENT_COST_PAID],
                         billed_amount=lv[_BILLED], paid_amount=lv[_PAID],
                         penalty=max(lv[_PENALTY], penalty_of(lv[_BASIS:])), penalty_paid=lv[_PENALTY_PAID])
            total += o.total
            numbered.append((lv, o, payment_number(jurisdiction_id, lv[_TAX_ITEM], lv[_TAX_YEAR], lv[_ID])))
        if (min_amount is not None and total < min_amount) or (max_amount is not None and total > max_amount):
            continue
        arm_id = None
        if assigner.active:
            arm_id = assigner.draw(taxpayer_id, total, min(lv[_DUE_DATE] for lv in rows))
            control = arm_id is None
        else:
            control = campaign.control_share > 0 and (
                random.Random(f"{rng_seed}:{taxpayer_id}").random() * 100 < campaign.control_share
            )
        reference = "N" + secrets.token_hex(10).upper()
        taxpayer = SimpleNamespace(name=rows[0][_TAXPAYER_NAME], registration_masked=rows[0][_TAXPAYER_MASKED])
        drafts.append(_Draft(taxpayer_id, taxpayer, reference, numbered, total, control, arm_id))
        summary.notices += 1
        summary.control += int(control)
        summary.lines += len(numbered)
        summary.total_amount += total
        if len(drafts) >= batch_size:
            writer.write(drafts)
            drafts = []
    writer.write(drafts)
    writer.finish()
    return summary


#: What the build reads of each selected levy, as a plain tuple; `PenaltyBasis`'s fields last, so that `row[_BASIS:]`
#: is the penalty's basis (`LevyPenalties.of_fields`).
_ROW_FIELDS = ("id", "taxpayer_id", "tax_number", "tax_year", "billed_amount", "paid_amount", "penalty",
               "penalty_paid", "enforcement_cost", "enforcement_cost_paid", "period", "object_description",
               "taxpayer_name", "taxpayer_masked", *BASIS_FIELDS)
(_ID, _TAXPAYER_ID, _TAX_NUMBER, _TAX_YEAR, _BILLED, _PAID, _PENALTY, _PENALTY_PAID, _ENFORCEMENT_COST,
 _ENFORCEMENT_COST_PAID, _PERIOD, _OBJECT, _TAXPAYER_NAME, _TAXPAYER_MASKED) = range(14)
_BASIS = 14
_LIABILITY_DATE, _DUE_DATE, _TAX_ITEM, _PRINCIPAL, _CITY_AREA_TAX, _EDUCATION_TAX, _ASSESSMENT, _STATUS = (
    _BASIS + BASIS_FIELDS.index(f) for f in ("liability_date", "due_date", "tax_item", "principal", "city_area_tax",
                                             "education_tax", "assessment", "status"))
_Row = tuple[Any, ...]


class _Draft(NamedTuple):
    """One notice of the build before its content is hashed (plain values: a campaign can bundle millions)."""

    taxpayer_id: int
    taxpayer: Any  # name, registration_masked
    reference: str
    numbered: list[tuple[_Row, Owed, str]]  # (levy row, what it owes, 전자납부번호)
    total: int
    control: bool
    arm_id: int | None


class _Writer:
    """Hashes and writes the build's notices and lines, a batch of drafts at a time.

    On PostgreSQL the notices' ids are taken from their sequence first (one statement per batch), so that the lines
    can carry them, and both are written as COPY text made here (no per-value adaptation by the driver, no query to
    find the ids again). The COPY of a batch runs in a thread of its own on the build's connection (psycopg
    serialises the connection's use: the build's next read waits for it), while the build goes on with the next
    batch's rows already read — PostgreSQL stores one batch while Python prepares the next. At most one batch is in
    flight; `finish` waits for it and raises what it raised. Elsewhere (SQLite) each batch is written at once with
    `insert_rows`, the ids then read back by reference."""

    NOTICE_COLUMNS = ("campaign_id", "jurisdiction_id", "taxpayer_id", "reference", "token", "doc_hash",
                      "total_amount", "control_group", "status", "created_at", "paid_amount", "arm_id", "deterrence")
    LINE_COLUMNS = ("notice_id", "payment_number", "levy_id", "principal", "education_tax", "city_area_tax",
                    "enforcement_cost", "tax_due", "penalty", "total", "refund")

    def __init__(self, header: Campaign, arm_templates: dict[int, NoticeTemplate], refunds: dict[int, int],
                 now: datetime, processes: int = 1) -> None:
        self.header, self.arm_templates, self.refunds, self.now = header, arm_templates, refunds, now
        self.postgres = connection.vendor == "postgresql"
        self.content = CanonicalEncoder(header)  # canonical_content, the campaign's shared members encoded once
        self._pool: ThreadPoolExecutor | None = None
        self._in_flight: Future[None] | None = None
        self.processes = processes
        self._helpers: ProcessPoolExecutor | None = None
        self._prepared: deque[Future[_Prepared]] = deque()
        if processes > 1:
            # helpers forked now, before the COPY thread starts: they inherit this writer (the campaign, its templates
            # and the encoder) and never touch the database
            global _HELPED
            _HELPED = self
            self._helpers = ProcessPoolExecutor(max_workers=processes - 1, mp_context=mp.get_context("fork"))
            self._helpers.submit(int).result()  # all started (fork: at the first task)
        if self.postgres:
            q = connection.ops.quote_name
            self._sql = (
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                f"COPY {q(Notice._meta.db_table)} ({', '.join(q(c) for c in ('id', *self.NOTICE_COLUMNS))}) FROM STDIN",
                f"COPY {q(NoticeLine._meta.db_table)} ({', '.join(q(c) for c in self.LINE_COLUMNS)}) FROM STDIN",
            )
            connection.ensure_connection()
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notice-copy")

    def finish(self) -> None:
        """Store the batches the helpers still hold and wait for the COPY in flight (errors raised here)."""
        while self._prepared:
            self._store(self._prepared.popleft().result())
        self._wait_copy()

    def _wait_copy(self) -> None:
        if self._in_flight is not None:
            in_flight, self._in_flight = self._in_flight, None
            in_flight.result()

    def close(self) -> None:
        """Stop the helpers and wait for the COPY in flight, if any, without raising (the build is ending, or failing
        already)."""
        global _HELPED
        if self._helpers is not None:
            self._helpers.shutdown(wait=True, cancel_futures=True)
            self._helpers = None
            _HELPED = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def write(self, drafts: list[_Draft]) -> None:
        """Hash and write a batch of the build's notices. A deterrence-style notice (its arm's template, or the
        campaign's) carries its taxpayer's next enforcement measure (`hooks.next_measures`, jingsu.enforcement; asked
        once per batch, for those notices only) in its content; every other notice's content is unchanged."""
        if not drafts:
            return
        header = self.header
        deterrent = [d.taxpayer_id for d in drafts
                     if (self._template_of(d) or header.template).style == NoticeTemplate.Style.DETERRENCE]
        measures: dict[int, dict[str, str]] = {}
        if deterrent:
            pay_by = header.pay_by or header.as_of
            asked = next_measures()(header.jurisdiction_id, deterrent, as_of=header.as_of,
                                    after=pay_by + timedelta(days=1))
            measures = {t: asked[t] for t in deterrent if t in asked}
        if self._helpers is None:
            self._store(self.prepare(drafts, measures))
            return
        self._prepared.append(self._helpers.submit(_prepare_in_helper, drafts, measures))
        while len(self._prepared) > self.processes or (self._prepared and self._prepared[0].done()):
            self._store(self._prepared.popleft().result())

    def _template_of(self, d: _Draft) -> NoticeTemplate | None:  # the arm's, or None: the campaign's
        return self.arm_templates[d.arm_id] if d.arm_id is not None else None

    def prepare(self, drafts: list[_Draft], measures: dict[int, dict[str, str]]) -> _Prepared:
        """The notice rows (without their ids) and the line rows of a batch: each notice's canonical content hashed.
        Pure computation on the drafts (no database), so a helper process can do it."""
        refunds, template_of = self.refunds, self._template_of
        notices: list[tuple[Any, ...]] = []
        lines: list[list[tuple[Any, ...]]] = []
        campaign_id, jurisdiction_id, now = self.header.pk, self.header.jurisdiction_id, self.now
        for d in drafts:
            deterrence = measures.get(d.taxpayer_id)
            content = self.content(d.taxpayer, [
                canonical_line(
                    tax_number=lv[_TAX_NUMBER], tax_item=lv[_TAX_ITEM], tax_year=lv[_TAX_YEAR], period=lv[_PERIOD],
                    object_description=lv[_OBJECT], liability_date=lv[_LIABILITY_DATE], due_date=lv[_DUE_DATE],
                    payment_number=number, principal=lv[_PRINCIPAL], education_tax=lv[_EDUCATION_TAX],
                    city_area_tax=lv[_CITY_AREA_TAX], tax_due=o.tax, penalty=o.penalty,
                    enforcement_cost=o.enforcement_cost, refund=refunds.get(lv[_ID], 0),
                )
                for lv, o, number in d.numbered
            ], reference=d.reference, template=template_of(d), deterrence=deterrence)
            notices.append((
                campaign_id, jurisdiction_id, d.taxpayer_id, d.reference, secrets.token_urlsafe(32),
                hashlib.sha256(content).hexdigest(), d.total, d.control,
                Notice.Status.CONTROL if d.control else Notice.Status.PENDING, now, 0, d.arm_id,
                json.dumps(deterrence, ensure_ascii=False) if deterrence else None,
            ))
            lines.append([
                (number, lv[_ID], lv[_PRINCIPAL], lv[_EDUCATION_TAX], lv[_CITY_AREA_TAX], o.enforcement_cost, o.tax,
                 o.penalty, o.total, refunds.get(lv[_ID], 0))
                for lv, o, number in d.numbered
            ])
        return notices, lines

    def _store(self, prepared: _Prepared) -> None:
        notices, lines = prepared
        if self._pool is not None:
            self._wait_copy()
            self._in_flight = self._pool.submit(self._copy, connection.connection, notices, lines)
        else:
            self._insert(notices, lines)

    def _insert(self, notices: list[tuple[Any, ...]], lines: list[list[tuple[Any, ...]]]) -> None:
        insert_rows(Notice._meta.db_table, self.NOTICE_COLUMNS, notices)
        references = [n[3] for n in notices]
        ids = dict(Notice.objects.filter(reference__in=references).values_list("reference", "id"))
        insert_rows(NoticeLine._meta.db_table, self.LINE_COLUMNS,
                    [(ids[ref], *line) for ref, rows in zip(references, lines, strict=True) for line in rows])

    def _copy(self, conn: Any, notices: list[tuple[Any, ...]], lines: list[list[tuple[Any, ...]]]) -> None:
        next_ids, copy_notices, copy_lines = self._sql
        with conn.cursor() as raw:
            # the ids the rows would have taken from the column's default, in the same order
            raw.execute(next_ids, [Notice._meta.db_table, len(notices)])
            ids = [i for (i,) in raw.fetchall()]
            null = "\\N"
            text = "".join([
                f"{i}\t{campaign}\t{jurisdiction}\t{taxpayer}\t{reference}\t{token}\t{doc_hash}\t{total}\t"
                f"{'t' if control else 'f'}\t{status!s}\t{_copy_text(created)}\t{paid}\t"
                f"{null if arm is None else arm}\t{null if det is None else _copy_text(det)}\n"
                for i, (campaign, jurisdiction, taxpayer, reference, token, doc_hash, total, control, status, created,
                        paid, arm, det) in zip(ids, notices, strict=True)
            ])
            with raw.copy(copy_notices) as copy:
                copy.write(text)
            text = "".join([
                f"{i}\t{number}\t{levy}\t{principal}\t{education}\t{city}\t{cost}\t{tax}\t{penalty}\t{total}\t"
                f"{refund}\n"
                for i, rows in zip(ids, lines, strict=True)
                for number, levy, principal, education, city, cost, tax, penalty, total, refund in rows
            ])
            with raw.copy(copy_lines) as copy:
                copy.write(text)


_Prepared = tuple[list[tuple[Any, ...]], list[list[tuple[Any, ...]]]]
#: the writer a helper process works for (set in the build's process just before the helpers are forked)
_HELPED: _Writer | None = None


def _prepare_in_helper(drafts: list[_Draft], measures: dict[int, dict[str, str]]) -> _Prepared:
    assert _HELPED is not None
    return _HELPED.prepare(drafts, measures)


def _copy_text(value: Any) -> str:
    """`value` as a field of COPY's text format: backslash, tab, newline and carriage return escaped."""
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def _pending_refunds(campaign: Campaign) -> dict[int, int]:
    """levy id → pending refund, for a 환급금 안내 campaign (empty for every other kind)."""
    if campaign.kind != Campaign.Kind.REFUND:
        return {}
    out: dict[int, int] = {}
    for levy_id, amount in money().pending_refunds(campaign.jurisdiction_id).values_list("levy_id", "amount"):
        out[levy_id] = out.get(levy_id, 0) + amount
    return out


def template_problems(campaign: Campaign, *, today: date) -> list[str]:
    """Why the campaign's documents cannot go out as they are (Korean, for the official); empty if they can."""
    problems = []
    missing = missing_required_items(campaign.template)
    if missing:
        problems.append(f"서식({campaign.template})에 필수 기재사항이 빠져 있습니다: {', '.join(missing)}")
    problems += wording_problems(campaign, campaign.template)  # a data-filled claim the figures do not support
    try:
        render_alert(campaign)
    except TemplateError as e:
        problems.append(f"알림 문구 오류: {e} (제목 최대 {ALERT_TITLE_MAX}자)")
    if campaign.pay_by is None:
        problems.append("납부기한이 정해지지 않았습니다.")
    elif campaign.pay_by <= today:
        problems.append(f"납부기한({campaign.pay_by:%Y-%m-%d})이 이미 지났거나 오늘입니다.")
    elif campaign.kind == Campaign.Kind.DEMAND and campaign.pay_by > demand_payment_deadline(
            campaign.jurisdiction_id, today):
        problems.append("독촉장의 납부기한은 발급일부터 20일 이내여야 합니다(지방세징수법 제32조③).")
    if campaign.is_measure:
        if campaign.measure_on is None or campaign.measure_on <= today:
            problems.append("조치 예정일이 정해지지 않았거나 이미 지났습니다.")
        if campaign.kind == Campaign.Kind.DISCLOSURE and campaign.as_of < today:
            # the 통지일 printed (and the 소명 기간 counted from it) must not be earlier than the day it goes out
            problems.append(f"명단공개 사전 통지의 통지일({campaign.as_of:%Y-%m-%d})이 지났습니다. 새로 만드세요.")
    return problems


def approve_campaign(campaign: Campaign, *, actor: str, clock: Clock) -> Campaign:
    """Maker-checker: the person who built a campaign cannot approve it. A campaign whose template misses a required
    item (지방세징수법 제12조 and the office's own: 체납처분 예고, 이의신청 안내, 문의처) cannot be approved."""
    if actor == campaign.created_by:
        raise CampaignError("캠페인을 만든 사람은 승인할 수 없습니다. 다른 담당자(팀장)가 승인해야 합니다.")
    current = Campaign.objects.select_related("jurisdiction", "template").get(pk=campaign.pk)
    problems = template_problems(current, today=clock.now().date()) + experiments.problems(current)
    if problems:
        raise CampaignError("승인할 수 없습니다. " + " / ".join(problems))
    with transaction.atomic():
        now = clock.now()
        if current.status != Campaign.Status.BUILT or not current.move(
                Campaign.Status.APPROVED, at=now, actor=actor, approved_by=actor, approved_at=now):
            raise CampaignError("대상이 확정된(승인 대기) 캠페인만 승인할 수 있습니다.")
        experiments.freeze(current, actor=actor, now=now)  # the pre-registration cannot change from now on
        audit.record("campaign.approve", actor=actor, jurisdiction=campaign.jurisdiction_id, target=campaign,
                     clock=clock)
    campaign.refresh_from_db()
    return campaign


TEMPLATE_FIELDS = ("name", "alert_title", "alert_text", "sms_text", "document_title", "intro_text", "document_body",
                   "source_name", "required_items", "source")


def add_template_version(kind: str, *, actor: str, clock: Clock, based_on: NoticeTemplate | None = None,
                         active: bool = True, style: str | None = None, **fields: Any) -> NoticeTemplate:
    """A new version of the template for `kind` (version = highest of the kind + 1, whatever the style) in `style`
    (default: `based_on`'s, else standard), copying `based_on` (default: the latest version of that style) and
    replacing the given fields. Alert and intro placeholders are checked when it is saved."""
    unknown = set(fields) - set(TEMPLATE_FIELDS)
    if unknown:
        raise CampaignError(f"알 수 없는 서식 항목: {', '.join(sorted(unknown))}")
    if kind not in Campaign.Kind.values:
        raise CampaignError(f"알 수 없는 캠페인 종류: {kind}")
    style = style or (based_on.style if based_on else NoticeTemplate.Style.STANDARD)
    if style not in NoticeTemplate.Style.values:
        raise CampaignError(f"알 수 없는 문구 유형: {style}")
    with transaction.atomic():
        versions = NoticeTemplate.objects.select_for_update().filter(kind=kind).order_by("-version")
        latest = versions.first()
        base = based_on or versions.filter(style=style).first()
        values = {f: getattr(base, f) for f in TEMPLATE_FIELDS} if base else {}
        values.update(fields)
        template = NoticeTemplate(kind=kind, style=style, version=(latest.version + 1) if latest else 1,
                                  active=active, created_by=actor, created_at=clock.now(), **values)
        try:
            template.save()
        except ValidationError as e:
            raise CampaignError("서식을 저장할 수 없습니다: " + "; ".join(e.messages)) from e
        audit.record("template.create", actor=actor, jurisdiction=None, target=template, clock=clock,
                     detail={"kind": kind, "style": style, "version": template.version})
    return template


# --- the enforcement steps' notices and their evidence ------------------------------------------------------------


def notices_by_taxpayer(campaign: Campaign) -> dict[int, Notice]:
    """taxpayer id → the campaign's notice to them: how an enforcement case finds the notice of its step (a notice
    stores its taxpayer, and its campaign the kind and the measure's date)."""
    return {n.taxpayer_id: n for n in campaign.notices.all()}


class Evidence(NamedTuple):
    """One fact of a notice's delivery (유통증명): when, what happened (Korean), by which channel (its label, "" for
    the notice as a whole) and the intermediary's or post office's id for the item ("" when none)."""

    when: datetime
    what: str
    channel: str
    intermediary_id: str


def evidence(notice: Notice) -> list[Evidence]:
    """The notice's delivery and reading as evidence for its enforcement case, oldest first: the document fixed with
    its hash (the build), each move of each delivery attempt (발송 중, 접수, 도달, 열람, 송달 실패 … by channel, with the
    intermediary's id: the 공인전자문서중계자's document id, or the registered-mail number) and each move of the
    notice itself (NoticeEvent). Read from the history rows only; nothing is inferred."""
    out = [Evidence(notice.created_at, f"문서 확정 (해시 SHA-256 {notice.doc_hash})", "", "")]
    # the attempts are delivery's (a floor above): read through the reverse relation, without importing it
    attempts = getattr(notice, "attempts", None)
    if attempts is not None:
        labels = dict(attempts.model._meta.get_field("status").flatchoices)
        channels = dict(Channel.choices)
        for a in attempts.prefetch_related("events").order_by("sequence", "pk"):
            channel = str(channels.get(a.channel, a.channel))
            out += [Evidence(e.at, f"{channel} {labels.get(e.to_status, '상태 변경')}", channel, a.external_id)
                    for e in a.events.all()]
    # after the attempts' at the same moment: the notice moves on its attempt's word
    out += [Evidence(e.at, f"문서 {NOTICE_STATUS_LABELS.get(e.to_status, '상태 변경')}", "", "")
            for e in notice.events.all()]
    return sorted(out, key=lambda x: x.when)  # stable: equal times keep the order above


NOTICE_STATUS_LABELS = {str(k): str(v) for k, v in Notice.Status.choices}
