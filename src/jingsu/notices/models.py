"""Campaigns (one mailing), notices (one per taxpayer, bundling their arrears) and notice lines (one per levy).

A campaign and a notice each have a status machine (`CAMPAIGN_MACHINE`, `NOTICE_MACHINE`, drawn below; the attempt's
is in delivery.models): the table is the one place that says which moves exist, `move` / `move_many` / `move_where`
(jingsu.core.states) the one way a status changes, with a history row per move (`CampaignEvent`, `NoticeEvent`).

    campaign:  draft ─build─▶ built ─approve─▶ approved ─start (now, or at scheduled_at)─▶ sending
               sending ─pause─▶ paused ─resume─▶ sending
               sending ─complete (every notice it sent is settled)─▶ completed
               built, approved, sending, paused ─cancel─▶ cancelled

    notice:    pending ─start─▶ in_delivery ─▶ delivered | paper | read | undeliverable
               delivered, paper ─▶ read | undeliverable
               undeliverable ─▶ read (read after all, by a channel still open)
               pending, in_delivery ─cancel (nothing of it went out)─▶ cancelled
               control (the held-out group): never sent, never moves
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models

from jingsu.core.models import Jurisdiction, Sender, StatusEvent
from jingsu.core.states import Machine, Mover
from jingsu.levies.models import Levy
from jingsu.providers.base import MailClass
from jingsu.taxpayers.models import Taxpayer


class Channel(models.TextChoices):
    """The channels a notice goes by, in the default order (the one definition; delivery.models uses it)."""

    KAKAO = "kakao", "카카오톡 전자문서"
    KT = "kt", "KT 공인알림문자"
    SMS = "sms", "문자 메시지"
    PAPER = "paper", "종이 우편"


def default_channels() -> list[str]:
    return list(Channel.values)


#: why paper comes last in any channel order (the form on screen says it beside the field)
PAPER_LAST = "종이 우편은 마지막 순위여야 합니다 (종이로 보낸 뒤에는 다음 채널이 없습니다)."


def channel_order_problem(channels: list[str]) -> str | None:
    """What is wrong with a channel order (Korean), or None: known channels, none twice, paper last. The one rule a
    campaign's order (notices.services.create_campaign) and an experiment arm's (notices.experiments) follow."""
    if not channels or len(set(channels)) != len(channels) or set(channels) - set(Channel.values):
        return f"발송 채널은 {', '.join(Channel.labels)} 중에서 중복 없이 골라야 합니다."
    if Channel.PAPER in channels and channels[-1] != Channel.PAPER:
        return PAPER_LAST
    return None


class Campaign(models.Model):
    MailClass = MailClass
    MACHINE: ClassVar[Machine]  # CAMPAIGN_MACHINE, below

    class Kind(models.TextChoices):
        ARREARS = "arrears", "체납안내문"
        DEADLINE = "deadline", "납부 안내"
        REFUND = "refund", "환급금 안내"
        PARKING = "parking", "주정차 과태료 체납안내"
        DEMAND = "demand", "독촉장"
        # Citizen-facing steps of an enforcement case (issue 16): built for a given list of taxpayers, not from an
        # arrears filter (notices.services.create_campaign(taxpayers=…, measure_on=…)); docs/notices.md.
        DISCLOSURE = "disclosure", "명단공개 사전 통지"
        LICENSE = "license", "관허사업 제한 예고"
        PLATE = "plate", "번호판 영치 예고"
        CREDIT = "credit", "신용정보 제공 예고"

    class LegalNature(models.TextChoices):
        NOTICE = "notice", "안내문"
        FORMAL = "formal", "고지서·독촉장"

    class Status(models.TextChoices):
        DRAFT = "draft", "작성 중"
        BUILT = "built", "대상 확정"
        APPROVED = "approved", "승인"
        SENDING = "sending", "발송 중"
        PAUSED = "paused", "일시 중지"
        COMPLETED = "completed", "완료"
        CANCELLED = "cancelled", "취소"

    # The legal nature follows from the kind: formal documents need the taxpayer's 전자송달 신청 to go electronically
    # (지방세기본법 제30조⑦); informational notices go to everyone reachable through CI.
    NATURE_OF_KIND = {
        Kind.ARREARS: LegalNature.NOTICE,
        Kind.DEADLINE: LegalNature.NOTICE,
        Kind.REFUND: LegalNature.NOTICE,
        Kind.PARKING: LegalNature.NOTICE,
        Kind.DEMAND: LegalNature.FORMAL,
        # The enforcement steps are 서류 the office serves under 지방세기본법 제28조① (교부·우편·전자송달): a 명단공개
        # 통지 starts the 소명 기간 of 지방세징수법 제11조③, and the 예고 of 제7조·제9조 and of 번호판 영치 (지방세법
        # 제131조, 시행령 제128조) announce a measure that restricts the taxpayer's rights. Like a 고지서·독촉장 they go
        # electronically only to a taxpayer who applied for 전자송달 (지방세기본법 제30조⑦), and otherwise on paper,
        # by registered mail (MEASURE_MAIL_CLASS), so that delivery can be proved (docs/notices.md).
        Kind.DISCLOSURE: LegalNature.FORMAL,
        Kind.LICENSE: LegalNature.FORMAL,
        Kind.PLATE: LegalNature.FORMAL,
        Kind.CREDIT: LegalNature.FORMAL,
    }
    #: The kinds that announce an enforcement measure: their targets are given (`targets`), they print the measure's
    #: date (`measure_on`) and go on paper by registered mail.
    MEASURE_KINDS = frozenset({Kind.DISCLOSURE, Kind.LICENSE, Kind.PLATE, Kind.CREDIT})
    MEASURE_MAIL_CLASS = MailClass.REGISTERED

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField("캠페인 이름", max_length=100)
    kind = models.CharField("종류", max_length=12, choices=Kind.choices)
    legal_nature = models.CharField("법적 성격", max_length=8, choices=LegalNature.choices)
    status = models.CharField("상태", max_length=12, choices=Status.choices, default=Status.DRAFT)
    as_of = models.DateField("기준일")  # arrears and penalties are computed as of this date
    filters = models.JSONField("대상 조건", default=dict)
    control_share = models.PositiveSmallIntegerField("대조군 비율(%)", default=0)
    control_seed = models.BigIntegerField(default=0)
    read_deadline_days = models.PositiveSmallIntegerField("열람 기한(일)", default=7)
    fallback_hours = models.PositiveSmallIntegerField("재발송 대기(시간)", default=24)
    created_by = models.CharField(max_length=100)
    approved_by = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    # 발송 예약: an approved campaign starts by itself at this time (delivery.control.start_scheduled).
    scheduled_at = models.DateTimeField("발송 예약 시각", null=True, blank=True)
    scheduled_by = models.CharField(max_length=100, blank=True)
    # The document template version this campaign uses (chosen when the campaign is created; never changes after).
    template = models.ForeignKey("NoticeTemplate", on_delete=models.PROTECT, related_name="campaigns",
                                 verbose_name="문서 서식")
    # 납부기한 printed on the notice (안내 기한, or the 독촉 기한: ≤ 20 days from issue, 지방세징수법 제32조③).
    pay_by = models.DateField("납부기한(안내·독촉)", null=True, blank=True)
    # Settings the dispatcher reads.
    send_window_start = models.TimeField("발송 시작 시각", default=time(9, 0))
    send_window_end = models.TimeField("발송 종료 시각", default=time(20, 0))
    channels = models.JSONField("발송 채널(순서)", default=default_channels)
    mail_class = models.CharField("우편 종류", max_length=10, choices=MailClass.choices, default=MailClass.ORDINARY)
    # The issuer (office, team, phone) as it was when the notices were built: their canonical content (and hash)
    # carries it, so a later change of the office's name, team or number does not change a registered document
    # (docs/notices.md "Canonical content and hash"). Empty before the build.
    issuer = models.JSONField("발신 기관(대상 확정 당시)", default=dict, blank=True)
    # The enforcement kinds (MEASURE_KINDS): the taxpayers the case named (ids; the build makes one notice for each
    # that still owes), and the day the announced measure is to be taken (공개·제한 요구·영치·제공 예정일).
    targets = models.JSONField("지정 대상 납세자", default=list, blank=True)
    measure_on = models.DateField("조치 예정일", null=True, blank=True)
    # An experiment's strata (notices.experiments: "amount", "age", "reach"): its arms are drawn balanced within
    # each; empty for a campaign without arms.
    strata = models.JSONField("층화 기준", default=list, blank=True)
    # The figures a template's data-filled claims state (notices.documents.campaign_figures; docs/notices.md
    # "Wording library"), computed once at the build and frozen here like `issuer`, so every notice's alert says the
    # same and it can be reproduced: {"on_time_share": {"share": "87%", "paid": n, "levies": m, "from": …, "to": …}}.
    # Empty before the build, and when no template of the campaign states a figure.
    figures = models.JSONField("문구 수치(대상 확정 당시)", default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_measure(self) -> bool:
        """An enforcement step (명단공개 사전 통지, 관허사업 제한 예고 …): given targets, a measure date."""
        return self.kind in self.MEASURE_KINDS

    @property
    def sender(self) -> Sender:
        """Who the campaign's documents name as their sender: the issuer frozen at the build, or — before it — the
        jurisdiction's current office, team and phone."""
        return Sender.from_issuer(self.issuer) if self.issuer else self.jurisdiction.sender

    def move(self, to: str, *, at: datetime, actor: str = "", reason: str = "", **fields: Any) -> bool:
        """Guarded move from the status this instance holds, with its history row (jingsu.core.states). Returns
        False if another process moved the campaign first; raises IllegalTransition for a move the table lacks."""
        return CAMPAIGN_MOVES.move(self, to, at=at, notes={"actor": actor, "reason": reason}, fields=fields)

    @classmethod
    def move_many(cls, moves: Iterable[tuple[Campaign, str]], *, at: datetime, actor: str = "", reason: str = "",
                  fields: Sequence[str] = ()) -> int:
        """Move campaigns the caller has locked, each from the status its instance holds (jingsu.core.states)."""
        return CAMPAIGN_MOVES.move_many(moves, at=at, notes={"actor": actor, "reason": reason}, fields=fields)


CS = Campaign.Status
#: The campaign's moves (the picture is in the module docstring; the operations in notices.services — build,
#: approve —, delivery.services — start — and delivery.control — schedule's start, pause, resume, cancel, complete).
CAMPAIGN_TRANSITIONS: dict[str, frozenset[str]] = {
    CS.DRAFT: frozenset({CS.BUILT}),
    CS.BUILT: frozenset({CS.APPROVED, CS.CANCELLED}),
    CS.APPROVED: frozenset({CS.SENDING, CS.CANCELLED}),
    CS.SENDING: frozenset({CS.PAUSED, CS.COMPLETED, CS.CANCELLED}),
    CS.PAUSED: frozenset({CS.SENDING, CS.CANCELLED}),
    CS.COMPLETED: frozenset(),
    CS.CANCELLED: frozenset(),
}
CAMPAIGN_MACHINE = Campaign.MACHINE = Machine("campaign", CAMPAIGN_TRANSITIONS, initial={CS.DRAFT})


class ActedEvent(StatusEvent):
    """A status history row with who moved it and why (`StatusEvent` + actor and reason): a campaign's and a
    notice's."""

    actor = models.CharField(max_length=150, blank=True)  # a user name, or "system:<component>"
    reason = models.TextField(blank=True)  # a person's reason, or what moved it (a provider's code, a batch)

    class Meta(StatusEvent.Meta):
        abstract = True


class CampaignEvent(ActedEvent):
    """History: one row per status move of a campaign (who, and why when a reason was given)."""

    OWNER = "campaign_id"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")


CAMPAIGN_MOVES = Mover(CAMPAIGN_MACHINE, Campaign, CampaignEvent, owner=CampaignEvent.OWNER, notes=("actor", "reason"))


class Notice(models.Model):
    MACHINE: ClassVar[Machine]  # NOTICE_MACHINE, below

    class Status(models.TextChoices):
        PENDING = "pending", "발송 대기"
        CONTROL = "control", "대조군(미발송)"
        IN_DELIVERY = "in_delivery", "발송 중"
        DELIVERED = "delivered", "도달"
        READ = "read", "열람"
        PAPER = "paper", "종이 발송"
        UNDELIVERABLE = "undeliverable", "송달 불능"
        CANCELLED = "cancelled", "취소"

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="notices")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    taxpayer = models.ForeignKey(Taxpayer, on_delete=models.PROTECT, related_name="notices")
    reference = models.CharField(max_length=24, unique=True)  # opaque, shown to providers as payload
    token = models.CharField(max_length=43, unique=True)  # portal link token (256 bits, urlsafe)
    doc_hash = models.CharField(max_length=64)  # SHA-256 of the canonical document content
    total_amount = models.BigIntegerField("합계")
    control_group = models.BooleanField(default=False)
    # the experiment's arm the notice was assigned to at the build (None: no experiment, or the control group)
    arm = models.ForeignKey("Arm", on_delete=models.PROTECT, null=True, blank=True, related_name="notices")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_amount = models.BigIntegerField(default=0)
    # A deterrence-style document's next measure for this taxpayer (`hooks.next_measures` at the build: {"measure",
    # "on", "basis"}), part of its canonical content and hash; None for every other notice, and when no rule gives one.
    deterrence = models.JSONField("체납처분 예고(대상 확정 당시)", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "taxpayer"], name="notice_one_per_taxpayer"),
        ]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def status_labels(self) -> list[tuple[str, str]]:
        """The notice's state for the staff console, as (code, label) pairs: where delivery stands (열람 once read),
        then 납부 when every levy it carries is paid (일부 납부 when money was credited to it but some is still owed),
        and 분할 납부 while a levy of it is in an approved plan. Reads the lines with their levies (prefetch them)."""
        labels = [("read", "열람")] if self.read_at else [(self.status, self.get_status_display())]
        levies = [line.levy for line in self.lines.all()]
        settled = [lv.status in (Levy.Status.PAID, Levy.Status.CANCELLED) for lv in levies]
        if levies and all(settled) and any(lv.status == Levy.Status.PAID for lv in levies):
            labels.append(("paid", "납부"))
        elif self.paid_amount or any(lv.status == Levy.Status.PAID for lv in levies):
            labels.append(("partly_paid", "일부 납부"))
        if any(lv.status == Levy.Status.INSTALLMENT for lv in levies):
            labels.append(("installment", "분할 납부"))
        return labels

    @property
    def template(self) -> NoticeTemplate:
        """The template version the notice's alert and document use: its arm's in an experiment, else its
        campaign's (load `arm__template` with the notice when reading many)."""
        return self.arm.template if self.arm_id is not None else self.campaign.template

    @property
    def channels(self) -> list[str]:
        """The channel order the notice follows: its arm's when the arm sets one, else its campaign's."""
        if self.arm_id is not None and self.arm.channels:
            return list(self.arm.channels)
        return list(self.campaign.channels)

    @property
    def pay_by(self) -> date | None:
        """The notice's one 납부기한: its campaign's. The document prints it, the bank and the gateway hold it for
        the bills (payments.campaigns.register_bills), the portal and the console show it."""
        return self.campaign.pay_by

    def move(self, to: str, *, at: datetime, actor: str = "", reason: str = "", **fields: Any) -> bool:
        """Guarded move from the status this instance holds, with its history row (jingsu.core.states). Returns
        False if another process moved the notice first; raises IllegalTransition for a move the table lacks."""
        return NOTICE_MOVES.move(self, to, at=at, notes={"actor": actor, "reason": reason}, fields=fields)

    @classmethod
    def move_many(cls, moves: Iterable[tuple[Notice, str]], *, at: datetime, actor: str = "", reason: str = "",
                  fields: Sequence[str] = ()) -> int:
        """Move notices the caller has locked, each from the status its instance holds; `fields`: further columns
        written from each instance (jingsu.core.states)."""
        return NOTICE_MOVES.move_many(moves, at=at, notes={"actor": actor, "reason": reason}, fields=fields)

    @classmethod
    def move_where(cls, queryset: models.QuerySet[Notice], to: str, *, at: datetime, actor: str = "",
                   reason: str = "", sources: Iterable[str] | None = None,
                   values: Mapping[str, Any] | None = None) -> list[int]:
        """Move the notices `queryset` selects that are in a status the table allows `to` from (or in `sources`);
        returns their ids (jingsu.core.states)."""
        return NOTICE_MOVES.move_where(queryset, to, at=at, notes={"actor": actor, "reason": reason},
                                       sources=sources, values=values)


NS = Notice.Status
#: The notice's moves (the picture is in the module docstring). Delivery moves it: started (delivery.services),
#: delivered or read (the provider reports, `apply_reports`), on paper or undeliverable (delivery.paper, a failed
#: paper attempt), cancelled with its campaign when nothing of it went out (delivery.control). A read notice stays
#: read; a notice of the control group is never sent.
NOTICE_TRANSITIONS: dict[str, frozenset[str]] = {
    NS.PENDING: frozenset({NS.IN_DELIVERY, NS.CANCELLED}),
    NS.CONTROL: frozenset(),
    NS.IN_DELIVERY: frozenset({NS.DELIVERED, NS.READ, NS.PAPER, NS.UNDELIVERABLE, NS.CANCELLED}),
    NS.DELIVERED: frozenset({NS.READ, NS.UNDELIVERABLE}),
    NS.PAPER: frozenset({NS.READ, NS.UNDELIVERABLE}),
    NS.UNDELIVERABLE: frozenset({NS.READ}),
    NS.READ: frozenset(),
    NS.CANCELLED: frozenset(),
}
NOTICE_MACHINE = Notice.MACHINE = Machine("notice", NOTICE_TRANSITIONS, initial={NS.PENDING, NS.CONTROL})


class NoticeEvent(ActedEvent):
    """History: one row per status move of a notice (the attempts' own moves are delivery.DeliveryEvent)."""

    OWNER = "notice_id"

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="events")


NOTICE_MOVES = Mover(NOTICE_MACHINE, Notice, NoticeEvent, owner=NoticeEvent.OWNER, notes=("actor", "reason"))


class NoticeLine(models.Model):
    """One bundled levy on a notice, with its own payment reference and the amounts as of the campaign date."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="lines")
    levy = models.ForeignKey(Levy, on_delete=models.PROTECT, related_name="notice_lines")
    payment_number = models.CharField("전자납부번호", max_length=19)
    # The assessed amounts by head as of the build (snapshot, so the document and its hash can be reproduced from
    # the notice alone even if the levy row changes later).
    principal = models.BigIntegerField("본세", default=0)
    education_tax = models.BigIntegerField("지방교육세", default=0)
    city_area_tax = models.BigIntegerField("도시지역분", default=0)
    # what the levy owed at the build, `Levy.owed(campaign.as_of)` by head; total = their sum
    enforcement_cost = models.BigIntegerField("체납처분비", default=0, db_default=0)
    tax_due = models.BigIntegerField("세액(미납)")
    penalty = models.BigIntegerField("가산금·납부지연가산세")
    total = models.BigIntegerField("합계")
    # 환급금 안내: the pending refund (과오납) on this levy, shown beside what is still owed (지방세기본법 제60조)
    refund = models.BigIntegerField("환급금", default=0, db_default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "levy"], name="notice_line_unique")]
        indexes = [models.Index(fields=["payment_number"])]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.payment_number}"


# --- document templates ------------------------------------------------------------------------------------------

#: Placeholders an alert (title, text, SMS) may use: who sent which kind of document, nothing about the taxpayer.
#: office_name is the office and its team ("중랑구 세무1과 체납징수팀"); contact is that and the phone when one is set.
#: on_time_share is a jurisdiction-wide figure, nothing personal: the share of the jurisdiction's levies due in the
#: 12 months before the campaign's 기준일 that were paid in full by their 납부기한 ("87%"), computed from the records
#: and frozen on the campaign at the build (Campaign.figures; documents.campaign_figures) — the social-norm wording's
#: claim, which approval refuses unless the figure supports "대부분" (documents.wording_problems).
ALERT_PLACEHOLDERS = frozenset({"office_name", "office_phone", "contact", "document_kind", "on_time_share"})
#: The SMS may in addition carry the opaque portal link.
SMS_PLACEHOLDERS = ALERT_PLACEHOLDERS | {"link"}
#: Placeholders the document's intro (머리말) may use, filled from the notice's canonical content (documents): the
#: taxpayer's name (in the document only, never in an alert), and — in a deterrence-style template only — the
#: sentence stating this taxpayer's next enforcement measure and its date (`Notice.deterrence`).
INTRO_PLACEHOLDERS = frozenset({"taxpayer_name", "next_measure"})
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_STRAY_BRACE = re.compile(r"[{}]")

#: Fields that are part of a version's content: frozen once a campaign used the version.
TEMPLATE_CONTENT_FIELDS = (
    "kind", "style", "version", "name", "alert_title", "alert_text", "sms_text", "document_title", "intro_text",
    "document_body", "required_items",
)


def alert_placeholders(text: str) -> list[str]:
    return _PLACEHOLDER.findall(text)


def check_alert_text(field: str, text: str, allowed: frozenset[str]) -> list[str]:
    """Errors (Korean) for one alert text: unknown placeholders and unbalanced braces."""
    errors = []
    for name in alert_placeholders(text):
        if name not in allowed:
            errors.append(f"{field}: 사용할 수 없는 치환자 {{{name}}} (허용: {', '.join(sorted(allowed))})")
    if _STRAY_BRACE.search(_PLACEHOLDER.sub("", text)):
        errors.append(f"{field}: 짝이 맞지 않는 중괄호가 있습니다.")
    return errors


class TemplateInUse(Exception):
    """A template version that a campaign used cannot be changed; add a new version instead."""


class NoticeTemplate(models.Model):
    """One version of the wording and layout for one kind of document.

    The alert texts use `{placeholder}` with the names in ALERT_PLACEHOLDERS (SMS: also `{link}`); the document body
    is Django template source rendered with `documents.document_context`. A version is immutable once a campaign
    used it (save() refuses; the campaign's FK protects it from deletion); change the wording by adding a version.

    `style` is the wording's line (the wording library, docs/notices.md): a campaign gets the latest active standard
    version of its kind unless one is chosen; the other styles are chosen for an experiment's arms. The versions of a
    kind are numbered in one series whatever their style, so kind and version name one version. `source` cites the
    study the wording follows.
    """

    class Style(models.TextChoices):
        STANDARD = "standard", "기본"
        REMINDER = "reminder", "납부 알림"
        SOCIAL_NORM = "social_norm", "사회 규범"
        DETERRENCE = "deterrence", "체납처분 예고"
        PERSONAL = "personal", "이름 부르기"

    kind = models.CharField("종류", max_length=12, choices=Campaign.Kind.choices)
    style = models.CharField("문구 유형", max_length=12, choices=Style.choices, default=Style.STANDARD)
    version = models.PositiveIntegerField("판")
    name = models.CharField("서식 이름", max_length=100)
    alert_title = models.CharField("알림 제목", max_length=100)
    alert_text = models.TextField("알림 문구")
    sms_text = models.TextField("문자 문구")
    document_title = models.CharField("문서 제목", max_length=100)
    intro_text = models.TextField("문서 머리말", blank=True)
    document_body = models.TextField("문서 본문(Django 템플릿)")
    source_name = models.CharField("원본 서식 파일", max_length=200, blank=True)  # packaged file it was copied from
    required_items = models.JSONField("필수 기재사항(선언)", default=list)
    source = models.TextField("근거 연구", blank=True)
    active = models.BooleanField("사용", default=True)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="notice_template_version_unique")]

    def __str__(self) -> str:
        style = "" if self.style == self.Style.STANDARD else f" {self.get_style_display()}"
        return f"{self.get_kind_display()}{style} {self.version}판 ({self.name})"

    @property
    def label(self) -> str:
        """The version as a list of one kind's versions shows it (the name says the kind and the style): 5판
        체납안내문 체납처분 예고 서식."""
        return f"{self.version}판 {self.name}"

    @property
    def body_sha256(self) -> str:
        return hashlib.sha256(self.document_body.encode()).hexdigest()

    def alert_errors(self) -> list[str]:
        return [
            *check_alert_text("알림 제목", self.alert_title, ALERT_PLACEHOLDERS),
            *check_alert_text("알림 문구", self.alert_text, ALERT_PLACEHOLDERS),
            *check_alert_text("문자 문구", self.sms_text, SMS_PLACEHOLDERS),
            *check_alert_text("문서 머리말", self.intro_text, self.intro_placeholders),
        ]

    @property
    def intro_placeholders(self) -> frozenset[str]:
        """What this version's intro may use: the next measure only in a deterrence-style version."""
        return INTRO_PLACEHOLDERS if self.style == self.Style.DETERRENCE else INTRO_PLACEHOLDERS - {"next_measure"}

    def clean(self) -> None:
        errors = self.alert_errors()
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.clean()
        if self.pk is not None:
            old = NoticeTemplate.objects.filter(pk=self.pk).values(*TEMPLATE_CONTENT_FIELDS).first()
            if old is not None and self.campaigns.exists():
                changed = [f for f in TEMPLATE_CONTENT_FIELDS if old[f] != getattr(self, f)]
                if changed:
                    raise TemplateInUse(
                        f"캠페인에 사용된 서식({self})은 고칠 수 없습니다 (변경: {', '.join(changed)}). 새 판을 만드세요."
                    )
        super().save(*args, **kwargs)


# --- experiments (docs/experiments.md) ---------------------------------------------------------------------------


class Arm(models.Model):
    """One arm of a campaign's experiment: a template version of the alert and the document (the legally required
    items are checked in every arm), and optionally its own channel order and its own send moment. The build assigns
    each taxpayer to the control group or to one arm, at random from the campaign's recorded seed, in proportion to
    the shares (notices.experiments.assign); an arm never changes once the campaign is built."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="arms")
    label = models.CharField("비교군", max_length=2)  # "A", "B", "C" …
    name = models.CharField("비교군 이름", max_length=100)
    template = models.ForeignKey(NoticeTemplate, on_delete=models.PROTECT, related_name="arms",
                                 verbose_name="문서 서식")
    share = models.PositiveSmallIntegerField("배정 비율(%)")
    # None: the campaign's channel order
    channels = models.JSONField("발송 채널(순서)", null=True, blank=True)
    # None: with the campaign; otherwise the arm's notices wait until this moment (still inside the send window)
    send_at = models.DateTimeField("발송 시각", null=True, blank=True)

    class Meta:
        ordering = ["campaign", "label"]
        constraints = [models.UniqueConstraint(fields=["campaign", "label"], name="arm_label_unique")]

    def __str__(self) -> str:
        return f"{self.label} {self.name}"


class ExperimentFrozen(Exception):
    """A pre-registration frozen at approval cannot be changed."""


class Experiment(models.Model):
    """The pre-registration of a campaign's experiment: written before approval, frozen at approval (`frozen_at`),
    printed in its report, so the question and the measure cannot be chosen after the results are seen."""

    class Outcome(models.TextChoices):
        PAID = "paid", "기간 내 납부율"
        AMOUNT = "amount", "안내문당 징수액"

    class Stratum(models.TextChoices):
        AMOUNT = "amount", "체납액 구간"
        AGE = "age", "체납 기간"
        REACH = "reach", "전자 발송 가능 여부"

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="experiment")
    hypothesis = models.TextField("가설")
    outcome = models.CharField("주요 결과 지표", max_length=8, choices=Outcome.choices, default=Outcome.PAID)
    window_days = models.PositiveSmallIntegerField("관찰 기간(일)", default=14)
    # the smallest difference worth detecting: percentage points for a rate, won per notice for an amount
    min_effect = models.FloatField("최소 효과 크기")
    # the rate (%) or the amount per notice (won) expected in the comparison group, for the power
    baseline = models.FloatField("기준값 예상")
    # the standard deviation of the amount per notice (won), for the power of an amount outcome
    spread = models.FloatField("징수액 표준편차 예상", null=True, blank=True)
    confidence = models.FloatField("신뢰수준", default=0.95)
    power = models.FloatField("검정력", null=True, blank=True)  # computed for the built sizes at approval
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    frozen_by = models.CharField(max_length=100, blank=True)
    frozen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.campaign} 실험"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.pk is not None and Experiment.objects.filter(pk=self.pk, frozen_at__isnull=False).exists():
            raise ExperimentFrozen("승인 때 고정된 실험 설계는 고칠 수 없습니다.")
        super().save(*args, **kwargs)
