"""Collection rewards (세입징수 포상금): who did what (officials, civilians, enforcement actions, hidden-revenue findings),
the committee (members, meetings, attendance, votes, decisions), and the money (claims, budget, transfer batches,
clawbacks).

Amounts are never computed here: `services.decide_meeting` calls `jingsu.law.reward.calculate` and stores its input
and output unchanged (a `Decision` cannot be changed after it is written). Models hold state guards; services hold
the operations (docs/rewards-operations.md).
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.db import models

from jingsu.core import crypto
from jingsu.core.banks import bank_name
from jingsu.core.formats import kdate, won
from jingsu.core.models import Jurisdiction
from jingsu.levies.models import Levy
from jingsu.payments.models import Payment


class RewardError(Exception):
    """A refused reward operation. `field` names the input, `message` is Korean, for officials."""

    def __init__(self, field: str | None, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


def mask_account(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


class _Payee(models.Model):
    """Someone a reward is paid to — an `Official` or a `Civilian` — of one jurisdiction, with their bank account
    (제8조③: payment by transfer to the payee's account; the number is encrypted)."""

    #: The first part of `payee_key` ("official", "civilian"): awards and claims name their payee by that key.
    PAYEE_KIND: ClassVar[str]

    bank = models.CharField("거래은행", max_length=30, blank=True)
    account_encrypted = models.TextField(blank=True)
    account_masked = models.CharField("계좌번호(마스킹)", max_length=30, blank=True)
    account_holder = models.CharField("예금주", max_length=50, blank=True)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("성명", max_length=50)
    created_at = models.DateTimeField()

    class Meta:
        abstract = True

    @property
    def payee_key(self) -> str:
        return f"{self.PAYEE_KIND}:{self.pk}"

    @property
    def bank_display(self) -> str:
        """The bank as people name it: a code (088) becomes its name (신한은행); a typed name stays."""
        return bank_name(self.bank)

    def set_account(self, bank: str, number: str, holder: str) -> None:
        """Store the account (encrypted) as digits only: "110-123-456789" and "110123456789" are the same account,
        and the bank's transfer file wants the digits (the console and the CLI both come through here)."""
        number = number.replace("-", "").replace(" ", "").strip()
        self.bank = bank
        self.account_encrypted = crypto.encrypt(number) if number else ""
        self.account_masked = mask_account(number) if number else ""
        self.account_holder = holder

    def reveal_account(self) -> str:
        """Plaintext account number: only for the transfer file (services.transfer_file audits it)."""
        return crypto.decrypt(self.account_encrypted) if self.account_encrypted else ""


class Official(_Payee):
    """직원: an official who collects, finds revenue or sits on the committee."""

    PAYEE_KIND = "official"

    rank = models.CharField("직급", max_length=30)
    department = models.CharField("부서", max_length=50)
    bureau = models.CharField("국", max_length=50, blank=True)
    director_or_above = models.BooleanField("국장급 이상", default=False)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.department} {self.rank} {self.name}"


class Civilian(_Payee):
    """민간인: an informant or other civilian claimant. The date of birth (별지 제2호서식) is stored encrypted."""

    PAYEE_KIND = "civilian"

    address = models.CharField("주소", max_length=200)
    birth_date_encrypted = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name

    def set_birth_date(self, value: date | None) -> None:
        self.birth_date_encrypted = crypto.encrypt(value.isoformat()) if value else ""

    @property
    def birth_date_masked(self) -> str:
        return "****-**-**" if self.birth_date_encrypted else ""


class EnforcementAction(models.Model):
    """One action on a levy, by an official (or, for 은닉재산 신고, a civilian), on a date."""

    class Kind(models.TextChoices):
        SEIZURE = "seizure", "압류"
        PLATE_IMPOUND = "plate-impound", "자동차등록번호판 영치"
        LICENSE_RESTRICTION = "license-restriction", "관허사업 제한"
        PROSECUTION = "prosecution", "고발"
        HIDDEN_ASSET_REPORT = "hidden-asset-report", "은닉재산 신고"
        AUCTION_DISTRIBUTION = "auction-distribution", "경·공매 배당 수령"
        DISTRIBUTION_OBJECTION = "distribution-objection", "배당이의"
        DEFERRAL = "deferral", "징수유예"

    #: Forced collection (제2조②1·2), most specific first: the method of a collection is the first of these found.
    FORCED_ORDER = (
        Kind.HIDDEN_ASSET_REPORT, Kind.PROSECUTION, Kind.SEIZURE, Kind.PLATE_IMPOUND, Kind.LICENSE_RESTRICTION,
    )

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    levy = models.ForeignKey(Levy, on_delete=models.PROTECT, related_name="enforcement_actions")
    kind = models.CharField("종류", max_length=24, choices=Kind.choices)
    official = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="actions")
    civilian = models.ForeignKey(Civilian, null=True, blank=True, on_delete=models.PROTECT, related_name="actions")
    taken_on = models.DateField("일자")
    deferred_until = models.DateField("유예 후 납부기한", null=True, blank=True)  # 징수유예 only
    notes = models.TextField("비고", blank=True)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["taken_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(official__isnull=False) | models.Q(civilian__isnull=False),
                name="enforcement_action_has_actor",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {kdate(self.taken_on)} ({self.levy.tax_number})"

    @property
    def actor(self) -> Official | Civilian:
        return self.official or self.civilian  # type: ignore[return-value]


#: How a past-year collection came about (`derive.classify`'s method) → Korean: the one table for the ledgers, the
#: cases' titles, the 심사결정서 and the audit log. The enforcement kinds are the model's own labels.
METHOD_LABELS: dict[str, str] = {
    **{str(k.value): str(k.label) for k in EnforcementAction.Kind},
    "regular-notice-paid-by-deadline": "정기 체납고지 후 납부기한 내 납부(지급 제외)",
    "auction-distribution": "타 권리자 경·공매 배당 수령(지급 제외)",
    "auction-distribution-with-objection": "배당이의에 의한 배당 수령",
    "deferred-carryover": "징수유예로 이월된 체납액(지급 제외)",
    "other-special": "그 밖의 상응하는 사유",
}


def method_label(method: str) -> str:
    """The Korean name of a collection method; an unknown one is "그 밖의 징수", never the code."""
    return METHOD_LABELS.get(method, "그 밖의 징수")


def arrears_case_title(tax_number: str, tax_item: str, tax_year: int, arrears_age: int, collected: int,
                       method: str) -> str:
    """The 요지 of a past-year arrears case: 11260-14-2022-0000003 재산세 2022년도 4년차 871,590원 (압류)."""
    return f"{tax_number} {tax_item} {tax_year}년도 {arrears_age}년차 {won(collected)} ({method_label(method)})"


def case_number(pk: int | str) -> str:
    """How people name a reward case: 안건 12."""
    return f"안건 {pk}"


class HiddenRevenueFinding(models.Model):
    """별지 제2호서식 숨은 세원발굴 과징대장: one finding (무단점용 등 부과, 탈루 적발, 제보)."""

    class Category(models.TextChoices):
        UNAUTHORIZED_USE = "unauthorized-use", "무단점용·부정사용 부과"  # 제3조4호
        EVASION = "evasion", "포탈·부당환급 적발"  # 제3조5호
        INFORMANT = "informant", "탈루세액 자료 제공"  # 제3조6호

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    category = models.CharField("구분", max_length=20, choices=Category.choices)
    official = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    civilian = models.ForeignKey(Civilian, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("납기", null=True, blank=True)
    tax_item = models.CharField("세목", max_length=40)
    source_description = models.CharField("발굴세원", max_length=200)
    taxpayer_name = models.CharField("납세의무자 성명", max_length=100)
    taxpayer_address = models.CharField("납세의무자 주소", max_length=200, blank=True)
    levy = models.ForeignKey(Levy, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assessed = models.BigIntegerField("부과액", default=0)
    evaded = models.BigIntegerField("탈루세액 등", default=0)
    collected = models.BigIntegerField("징수액", default=0)
    collected_on = models.DateField("징수일자", null=True, blank=True)
    confirmed_by = models.CharField("징수확인(팀장)", max_length=50, blank=True)
    prosecuted = models.BooleanField("고발·통고처분", default=False)
    verified = models.BooleanField("사실검증", default=False)
    official_on_duty = models.BooleanField("공무원 직무상 제공", default=False)
    national_tax_based = models.BooleanField("국세 과세표준 지방세", default=False)
    assessment_notified_on = models.DateField("부과 고지일", null=True, blank=True)
    final_on = models.DateField("부과 확정일", null=True, blank=True)
    notes = models.TextField("비고", blank=True)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(official__isnull=False) | models.Q(civilian__isnull=False),
                name="hidden_revenue_finding_has_finder",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.source_description}"

    @property
    def finder(self) -> Official | Civilian:
        return self.official or self.civilian  # type: ignore[return-value]


class Committee(models.Model):
    """세입징수공적심사위원회, one per 국 (영등포 제5조①, 중랑 제5조①)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    bureau = models.CharField("국", max_length=50)
    name = models.CharField("위원회 이름", max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "bureau"], name="committee_one_per_bureau")]

    def __str__(self) -> str:
        return self.name

    def roll(self, on: date) -> list[CommitteeMember]:
        """재적위원: the members whose term covers `on`."""
        return [m for m in self.members.order_by("pk") if m.serving_on(on)]


class CommitteeMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", "위원장"
        MEMBER = "member", "위원"

    class Kind(models.TextChoices):
        INTERNAL = "internal", "내부(공무원)"
        EXTERNAL = "external", "외부 전문가"

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="members")
    name = models.CharField("성명", max_length=50)
    role = models.CharField("역할", max_length=8, choices=Role.choices, default=Role.MEMBER)
    kind = models.CharField("구분", max_length=8, choices=Kind.choices)
    official = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    civilian = models.ForeignKey(Civilian, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    position = models.CharField("직위", max_length=50, blank=True)  # 국장, 과장 (내부); 소속 (외부)
    term_start = models.DateField("임기 시작")
    term_end = models.DateField("임기 종료", null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"

    def serving_on(self, day: date) -> bool:
        return self.term_start <= day and (self.term_end is None or day <= self.term_end)

    def is_payee(self, payee_key: str) -> bool:
        return payee_key in {x.payee_key for x in (self.official, self.civilian) if x is not None}


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "개최 예정"
        DECIDED = "decided", "의결"

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField("회의일")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.committee} {kdate(self.held_on)}"

    def require_open(self) -> None:
        if self.status != self.Status.SCHEDULED:
            raise RewardError("meeting", f"이미 의결한 회의({kdate(self.held_on)})는 바꿀 수 없습니다.")


class RewardCase(models.Model):
    """One merit (공적) with its claimants: an agenda item of a meeting. `facts` is the calculator merit without id
    and claimants (the amounts its type needs)."""

    class MeritType(models.TextChoices):
        ARREARS = "arrears", "지난년도 체납액 징수"  # 제3조1–3호
        UNAUTHORIZED_USE = "unauthorized-use", "무단점용 등 부과"  # 제3조4호
        EVASION = "evasion", "포탈 적발 추징"  # 제3조5호
        INFORMANT = "informant", "탈루세액 자료 제공"  # 제3조6호
        PROPOSAL = "proposal", "창의적 제안·제도개선"  # 제3조7호
        COMMISSION = "commission", "징수촉탁"  # 영등포 제3조8호

    class Status(models.TextChoices):
        OPEN = "open", "심사 대기"
        ON_AGENDA = "on-agenda", "안건 상정"
        DECIDED = "decided", "의결(지급 결정)"
        REJECTED = "rejected", "부결·지급 제외"

    #: 제8조② 단서: paid only once the assessment is final (불복청구기간 경과 또는 확정).
    FINALITY_TYPES = (MeritType.UNAUTHORIZED_USE, MeritType.EVASION, MeritType.INFORMANT)
    #: 제8조② 본문: paid only once the collected money is confirmed received (영등포 1–6호·8호, 중랑 1–6호).
    RECEIPT_TYPES = (
        MeritType.ARREARS, MeritType.UNAUTHORIZED_USE, MeritType.EVASION, MeritType.INFORMANT, MeritType.COMMISSION,
    )

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    merit_type = models.CharField("공적 구분", max_length=20, choices=MeritType.choices)
    title = models.CharField("요지", max_length=200)
    # What the case was derived from (e.g. "arrears:<levy>:<year>:<method>:<payee>"), so deriving twice adds nothing.
    source_key = models.CharField(max_length=120, blank=True)
    levy = models.ForeignKey(Levy, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    finding = models.ForeignKey(HiddenRevenueFinding, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="cases")
    payments = models.ManyToManyField(Payment, blank=True, related_name="+")
    collection_year = models.PositiveSmallIntegerField("징수연도", null=True, blank=True)
    facts = models.JSONField("공적 사실(계산기 입력)", default=dict)
    collected = models.BigIntegerField("징수액(세원발굴액)", default=0)
    collected_on = models.DateField("징수일", null=True, blank=True)
    appeal_period_end = models.DateField("불복청구기간 만료일", null=True, blank=True)
    final_on = models.DateField("부과 확정일", null=True, blank=True)
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "source_key"], condition=~models.Q(source_key=""),
                                    name="reward_case_unique_source"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def merit_id(self) -> str:
        """The calculator's key for the case (in a Decision's stored input and output); people see `number`."""
        return f"case-{self.pk}"

    @property
    def number(self) -> str:
        """How people name the case: 안건 12."""
        return case_number(self.pk)

    def payee_keys(self) -> list[str]:
        return [c.payee.payee_key for c in self.claimants.all()]

    def final_as_of(self, day: date) -> bool:
        if self.final_on is not None and self.final_on <= day:
            return True
        return self.appeal_period_end is not None and self.appeal_period_end < day


class CaseClaimant(models.Model):
    case = models.ForeignKey(RewardCase, on_delete=models.CASCADE, related_name="claimants")
    official = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    civilian = models.ForeignKey(Civilian, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    share = models.CharField("지분", max_length=12, default="1")  # exact decimal as text, e.g. "0.5"
    direct = models.BooleanField("직접 징수", default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(official__isnull=False) | models.Q(civilian__isnull=False),
                name="case_claimant_has_payee",
            )
        ]

    @property
    def payee(self) -> Official | Civilian:
        return self.official or self.civilian  # type: ignore[return-value]

    def calculator_claimant(self) -> dict[str, Any]:
        if self.official is not None:
            return {"id": self.official.payee_key, "kind": "official",
                    "director_or_above": self.official.director_or_above, "direct": self.direct,
                    "share": self.share}
        assert self.civilian is not None
        return {"id": self.civilian.payee_key, "kind": "civilian", "director_or_above": False,
                "direct": self.direct, "share": self.share}


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once")]


class Vote(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="votes")
    case = models.ForeignKey(RewardCase, on_delete=models.PROTECT, related_name="votes")
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="+")
    in_favour = models.BooleanField("찬성")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "member"], name="vote_once_per_case")]


class _Immutable(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and type(self).objects.filter(pk=self.pk).exists():
            raise RewardError(None, "심사결정은 기록된 뒤 바꿀 수 없습니다.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RewardError(None, "심사결정은 지울 수 없습니다.")


class Decision(_Immutable):
    """심사결정: the committee's resolution with the calculator input and output exactly as used."""

    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="decision")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField("의결일")
    roll_size = models.PositiveSmallIntegerField("재적위원")
    present = models.PositiveSmallIntegerField("출석위원")
    calculator_input = models.JSONField()
    calculator_output = models.JSONField()
    total = models.BigIntegerField("포상금 합계")
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"심사결정 {kdate(self.decided_on)} ({self.meeting.committee})"


class DecisionItem(_Immutable):
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="items")
    case = models.OneToOneField(RewardCase, on_delete=models.PROTECT, related_name="decision_item")
    votes_for = models.PositiveSmallIntegerField("찬성")
    votes_against = models.PositiveSmallIntegerField("반대")
    approved = models.BooleanField("가결")
    eligible = models.BooleanField("지급 대상")
    amount = models.BigIntegerField("포상금")
    reason = models.TextField("사유")


class Award(_Immutable):
    """Per payee and month, as the calculator returned it (after every cap)."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="awards")
    payee_key = models.CharField(max_length=30)
    month = models.CharField(max_length=7)
    amount = models.BigIntegerField()


class RewardBudget(models.Model):
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("회계연도")
    amount = models.BigIntegerField("예산액")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "year"], name="reward_budget_per_year")]

    def __str__(self) -> str:
        return f"{self.jurisdiction_id} {self.year} {self.amount:,}원"


class TransferBatch(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", "이체 준비"
        PAID = "paid", "지급 완료"

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("회계연도")
    created_on = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.CREATED)
    paid_on = models.DateField(null=True, blank=True)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()


class Claim(models.Model):
    """별지 제3호서식 포상금 지급신청서: one payee's claim on one decision (the decision is attached, 제7조①)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "신청"
        APPROVED = "approved", "지급 확정"
        CARRIED = "carried", "예산 부족 이월"
        BATCHED = "batched", "이체 준비"
        PAID = "paid", "지급 완료"

    COMMITTED = (Status.APPROVED, Status.BATCHED, Status.PAID)

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="claims")
    payee_key = models.CharField(max_length=30)
    official = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    civilian = models.ForeignKey(Civilian, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    affiliation = models.CharField("소속(주소)", max_length=200)
    rank = models.CharField("직급", max_length=30, blank=True)
    name = models.CharField("성명", max_length=50)
    case_count = models.PositiveIntegerField("건수")
    collected = models.BigIntegerField("징수(세원발굴)액")
    amount = models.BigIntegerField("청구액")
    bank = models.CharField("거래은행", max_length=30)
    account_encrypted = models.TextField()
    account_masked = models.CharField("계좌번호", max_length=30)
    account_holder = models.CharField("예금주", max_length=50)
    submitted_on = models.DateField("신청일")

    @property
    def bank_display(self) -> str:
        return bank_name(self.bank)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    budget_year = models.PositiveSmallIntegerField("지급 연도", null=True, blank=True)
    carried_from = models.PositiveSmallIntegerField("이월 전 연도", null=True, blank=True)
    batch = models.ForeignKey(TransferBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    paid_on = models.DateField("지급일", null=True, blank=True)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["decision", "payee_key"], name="claim_once_per_decision")]

    def __str__(self) -> str:
        return f"지급신청 {self.name} {self.amount:,}원 ({self.get_status_display()})"

    def reveal_account(self) -> str:
        return crypto.decrypt(self.account_encrypted)


class CollectionRefund(models.Model):
    """Collected money behind a reward given back (이중부과 등 행정착오, 제9조②)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    levy = models.ForeignKey(Levy, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField("환급액")
    refunded_on = models.DateField("환급일")
    reason = models.CharField("사유", max_length=200)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()


class Clawback(models.Model):
    """환수 (제9조): fraud (whole reward + interest) or a refunded collection (the reward it paid, no interest)."""

    class Kind(models.TextChoices):
        FRAUD = "fraud", "거짓·부정 수령"  # 제9조①③
        REFUNDED = "refunded", "징수액 환급"  # 제9조②

    class Status(models.TextChoices):
        OPEN = "open", "환수 통지"
        COLLECTED = "collected", "환수 완료"

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="clawbacks")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    refund = models.ForeignKey(CollectionRefund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    paid_on = models.DateField("포상금 지급일")
    notified_on = models.DateField("환수 통지일")
    principal = models.BigIntegerField("환수 원금")
    interest = models.BigIntegerField("이자", default=0)
    total = models.BigIntegerField("환수액")
    calculator_input = models.JSONField(default=dict)
    calculator_output = models.JSONField(default=dict)
    reason = models.CharField("사유", max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    collected_on = models.DateField(null=True, blank=True)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["claim", "refund"], name="clawback_once_per_refund"),
        ]

    def __str__(self) -> str:
        return f"환수 {self.get_kind_display()} {self.total:,}원"
