"""Levies (부과 건) and the arrears query (체납)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.db.models import ExpressionWrapper, F, IntegerField, Value
from django.db.models.functions import ExtractYear, Greatest

from jingsu.core.models import Jurisdiction
from jingsu.law.tax_items import TAX_ITEMS
from jingsu.levies.penalties import LevyPenalties, PenaltyBasis
from jingsu.taxpayers.models import Taxpayer

TAX_ITEM_CHOICES = [(item.code, item.name) for item in TAX_ITEMS.values()]


# --- what a levy owes: the one definition ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Owed:
    """What a levy still owes, by head in the order 지방세징수법 제4조① collects them."""

    enforcement_cost: int  # 체납처분비 not yet paid
    tax: int  # 본세·지방교육세·도시지역분 not yet paid
    penalty: int  # 가산금·납부지연가산세 not yet paid

    @property
    def total(self) -> int:
        return self.enforcement_cost + self.tax + self.penalty


def owed(*, enforcement_cost: int, enforcement_cost_paid: int, billed_amount: int, paid_amount: int, penalty: int,
         penalty_paid: int) -> Owed:
    """THE definition of what a levy owes: 체납처분비 + tax + penalty, each head what was charged minus what was paid,
    never below 0. `penalty` is the penalty charged so far (stored, or recomputed as of a date by `Levy.owed`).

    Every figure of "owed" in jingsu comes from here (`Levy.owed`, the notice build) or from its SQL twin
    `LevyQuerySet.with_owed` (`owed_expression`); a test keeps the two equal."""
    return Owed(max(enforcement_cost - enforcement_cost_paid, 0), max(billed_amount - paid_amount, 0),
                max(penalty - penalty_paid, 0))


def owed_expression() -> Any:
    """`owed(...)` in SQL with the stored penalty (as of `penalty_as_of`)."""
    return ExpressionWrapper(
        Greatest(F("enforcement_cost") - F("enforcement_cost_paid"), Value(0))
        + Greatest(F("billed_amount") - F("paid_amount"), Value(0))
        + Greatest(F("penalty") - F("penalty_paid"), Value(0)),
        output_field=models.BigIntegerField(),
    )


class LevyQuerySet(models.QuerySet["Levy"]):
    def open(self) -> LevyQuerySet:
        """Levies that still have money to collect."""
        return self.filter(status__in=Levy.OPEN_STATUSES).filter(
            models.Q(paid_amount__lt=F("billed_amount")) | models.Q(penalty_paid__lt=F("penalty"))
            | models.Q(enforcement_cost_paid__lt=F("enforcement_cost"))
        )

    def with_owed(self) -> LevyQuerySet:
        """Annotated with `owed_amount`: what each levy owes (the one definition, `owed`) with the stored penalty."""
        return self.annotate(owed_amount=owed_expression())

    def arrears(self, as_of: date) -> LevyQuerySet:
        """체납: unpaid (wholly or partly) after the 납부기한, as of `as_of`, annotated with `arrears_age` and `owed_amount`.

        `arrears_age` (체납 연차) counts fiscal years: as_of.year − year of the 납부기한. 0 is the current year's
        arrears (현년도 체납), 1 and more are 지난년도 체납액 — the split the reward ordinances' ledger
        (별지 제1호서식 지난년도 체납액 징수대장) uses.
        """
        return (
            self.open()
            .filter(due_date__lt=as_of)
            .with_owed()
            .annotate(
                arrears_age=ExpressionWrapper(
                    Value(as_of.year) - ExtractYear("due_date"), output_field=IntegerField()
                ),
            )
        )


class Levy(models.Model):
    class Status(models.TextChoices):
        NORMAL = "normal", "정상"
        DEFERRED = "deferred", "징수유예"
        INSTALLMENT = "installment", "분할납부"
        APPEAL = "appeal", "불복"
        PAID = "paid", "완납"
        CANCELLED = "cancelled", "취소"

    class Assessment(models.TextChoices):
        BILLED = "billed", "부과"
        SELF_ASSESSED = "self-assessed", "신고"

    OPEN_STATUSES = (Status.NORMAL, Status.DEFERRED, Status.INSTALLMENT, Status.APPEAL)

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="levies")
    taxpayer = models.ForeignKey(Taxpayer, on_delete=models.PROTECT, related_name="levies")
    tax_number = models.CharField("과세번호", max_length=40)
    tax_item = models.CharField("세목", max_length=2, choices=TAX_ITEM_CHOICES)
    tax_year = models.PositiveSmallIntegerField("과세연도")
    period = models.CharField("기분", max_length=20, blank=True)
    object_description = models.CharField("과세대상", max_length=200, blank=True)
    principal = models.BigIntegerField("본세")
    education_tax = models.BigIntegerField("지방교육세", default=0)
    city_area_tax = models.BigIntegerField("도시지역분", default=0)
    billed_amount = models.BigIntegerField("고지세액 합계")  # principal + education_tax + city_area_tax
    paid_amount = models.BigIntegerField("수납액(본세 등)", default=0)
    # 가산금·납부지연가산세 as last computed by jingsu.law.penalty (on import and when a notice is built).
    # 체납처분비 (costs of enforcement: seizure, appraisal, auction), collected first (지방세징수법 제4조①1)
    enforcement_cost = models.BigIntegerField("체납처분비", default=0, db_default=0)
    enforcement_cost_paid = models.BigIntegerField("수납액(체납처분비)", default=0, db_default=0)
    penalty = models.BigIntegerField("가산금·납부지연가산세", default=0)
    penalty_as_of = models.DateField("가산세 계산 기준일", null=True, blank=True)
    penalty_paid = models.BigIntegerField("수납액(가산세)", default=0)
    liability_date = models.DateField("납세의무성립일")
    original_due_date = models.DateField("납기")
    due_date = models.DateField("납부기한")
    assessment = models.CharField("신고구분", max_length=16, choices=Assessment.choices, default=Assessment.BILLED)
    status = models.CharField("상태", max_length=12, choices=Status.choices, default=Status.NORMAL)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = LevyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "tax_number"], name="levy_unique_tax_number"),
            models.CheckConstraint(condition=models.Q(principal__gte=0), name="levy_principal_nonnegative"),
            models.CheckConstraint(condition=models.Q(paid_amount__gte=0), name="levy_paid_nonnegative"),
            models.CheckConstraint(condition=models.Q(penalty__gte=0), name="levy_penalty_nonnegative"),
        ]
        indexes = [models.Index(fields=["jurisdiction", "status", "due_date"])]

    def __str__(self) -> str:
        return f"{self.tax_number} {self.get_tax_item_display()} {self.tax_year}"

    def owed(self, as_of: date | None = None, *, penalties: Callable[..., int] | None = None) -> Owed:
        """What the levy owes. Without `as_of`: with the stored penalty (as `with_owed`). With `as_of`: with the
        penalty jingsu.law gives for that day, never less than already charged — the figure the notice, the portal,
        the gateway, the bank bill and the console show on that day. A levy no longer open (완납, 취소) runs no
        penalty. `penalties`: a `LevyPenalties` for `as_of`, to share its memo over many levies."""
        penalty = self.penalty
        if as_of is not None and self.status in self.OPEN_STATUSES:
            calc = penalties or LevyPenalties(jurisdiction=self.jurisdiction_id, as_of=as_of, maxsize=8)
            penalty = max(penalty, calc(PenaltyBasis.of(self)))
        return owed(enforcement_cost=self.enforcement_cost, enforcement_cost_paid=self.enforcement_cost_paid,
                    billed_amount=self.billed_amount, paid_amount=self.paid_amount, penalty=penalty,
                    penalty_paid=self.penalty_paid)

    # the heads of `owed()` with the stored penalty (payments.services allocates head by head)
    @property
    def outstanding_tax(self) -> int:
        return self.owed().tax

    @property
    def outstanding_amount(self) -> int:
        return self.owed().total

    @property
    def outstanding_enforcement_cost(self) -> int:
        return self.owed().enforcement_cost
