"""Enforcement cases (체납처분·행정제재 사건): one per taxpayer and measure, carried through the measure's stages.

A case's `status` is its stage. Each measure has its own transition table (`TRANSITIONS`, one `Machine` each, all
writing through jingsu.core.states like notices.Campaign), and a history row per move (`CaseEvent`: from, to, who,
why, who approved, the stage date and the law's evaluation at the move). Moves into a stage that restricts rights
(`RESTRICTING`) are requested by one official and take effect when a different official approves (`MoveRequest`);
`jingsu.enforcement.services` holds the rules.

    명단공개 (disclosure):        selected → notified → explanation → review → published → released
    관허사업 제한 (license_*):    selected → forewarned → requested → released
    출국금지 (exit_ban):          selected → requested → released
    신용정보 제공 (credit_report): selected → forewarned → provided → released
    번호판 영치 (plate_impound):  selected → forewarned → impounded ⇄ temp_released → released (selected → impounded)
    압류 (seizure):               selected → seized → released
    every stage before the measure is taken ─▶ closed (종결, with a reason)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, ClassVar

from django.db import models

from jingsu.core.models import Jurisdiction
from jingsu.core.states import Machine, Mover
from jingsu.law import enforcement as law
from jingsu.levies.models import Levy
from jingsu.notices.models import ActedEvent, Notice
from jingsu.rewards.models import Official
from jingsu.taxpayers.models import Taxpayer


class EnforcementCase(models.Model):
    MACHINES: ClassVar[dict[str, Machine]]  # MACHINES, below: one per measure

    class Measure(models.TextChoices):
        """The law's measures (jingsu.law.enforcement.MEASURES), with the names officials use."""

        LICENSE_REFUSAL = "license_refusal", "관허사업 허가 제한"
        LICENSE_SUSPENSION = "license_suspension", "관허사업 정지·취소"
        EXIT_BAN = "exit_ban", "출국금지 요청"
        CREDIT_REPORT = "credit_report", "신용정보 제공"
        DISCLOSURE = "disclosure", "명단공개"
        PLATE_IMPOUND = "plate_impound", "번호판 영치"
        SEIZURE = "seizure", "압류"

    class Status(models.TextChoices):
        """The stages (their names per measure: `stage_label`)."""

        SELECTED = "selected", "대상 선정"
        NOTIFIED = "notified", "사전 통지"
        EXPLANATION = "explanation", "소명 기간"
        REVIEW = "review", "심의"
        PUBLISHED = "published", "공개"
        FOREWARNED = "forewarned", "예고"
        REQUESTED = "requested", "요청"
        PROVIDED = "provided", "제공"
        IMPOUNDED = "impounded", "영치"
        TEMP_RELEASED = "temp_released", "일시 해제"
        SEIZED = "seized", "압류"
        RELEASED = "released", "해제"
        CLOSED = "closed", "종결"

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    taxpayer = models.ForeignKey(Taxpayer, on_delete=models.PROTECT, related_name="enforcement_cases")
    measure = models.CharField("처분", max_length=20, choices=Measure.choices)
    status = models.CharField("단계", max_length=16, choices=Status.choices, default=Status.SELECTED)
    levies = models.ManyToManyField(Levy, related_name="enforcement_cases", verbose_name="대상 부과 건")
    # what the office found and the record cannot tell, keyed by jingsu.law.enforcement.Facts field name (JSON:
    # dates as YYYY-MM-DD, sets as lists); the stages add theirs (통지일, 영치일, 압류 …). `services.decode_recorded`.
    recorded = models.JSONField("기록한 사실", default=dict, blank=True)
    stage_on = models.DateField("현재 단계 일자")
    opened_on = models.DateField("개시일")
    closed_on = models.DateField("종료일", null=True, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()
    # the automatic check (services.recheck: at each move and when jingsu records money for the taxpayer)
    release_ready = models.BooleanField("해제 가능", default=False)
    check_reasons = models.JSONField("점검 결과", default=list, blank=True)  # [{article, condition, message}]
    checked_on = models.DateField("점검일", null=True, blank=True)
    # the notice that carries this case's 사전 통지·예고 (issue #16 item 4: `services.prepare_notices` makes the
    # campaign of the measure's kind and links each case to its taxpayer's notice; the move into the notice's stage
    # needs it to have gone out), and its 유통증명 as it stood when the case moved into that stage (`evidence`: JSON
    # list of {when, what, channel, intermediary_id}; the case page reads the live one from notices.services).
    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="enforcement_cases",
                               verbose_name="통지 안내문")
    evidence = models.JSONField("증빙", default=list, blank=True)

    class Meta:
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["taxpayer", "measure"], condition=~models.Q(status__in=("released", "closed")),
                                    name="enforcement_case_one_open_per_measure"),
        ]
        indexes = [models.Index(fields=["jurisdiction", "measure", "status"])]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} {self.pk}번"

    @property
    def open(self) -> bool:
        return self.status not in FINAL

    @property
    def stage_name(self) -> str:
        return stage_label(self.measure, self.status)

    @property
    def machine(self) -> Machine:
        return MACHINES[self.measure]

    def next_stages(self) -> list[tuple[str, str]]:
        """(code, name) of the stages this case may move to next, in the table's order."""
        order = list(self.Status.values)
        return [(s, stage_label(self.measure, s)) for s in sorted(self.machine.table[self.status], key=order.index)]

    def move(self, to: str, *, at: datetime, actor: str, reason: str, on: date, approved_by: str = "",
             evaluation: dict[str, Any] | None = None, **fields: Any) -> bool:
        """Guarded move from the status this instance holds, with its history row (jingsu.core.states). Returns
        False if another process moved the case first; raises IllegalTransition for a move the table lacks."""
        notes = {"actor": actor, "reason": reason, "approved_by": approved_by, "on": on.isoformat(),
                 "evaluation": json.dumps(evaluation or {}, ensure_ascii=False, default=str)}
        return MOVES[self.measure].move(self, to, at=at, notes=notes, fields=fields)


CS = EnforcementCase.Status
M = EnforcementCase.Measure
FINAL = frozenset({CS.RELEASED, CS.CLOSED})
#: Stages that restrict the taxpayer's rights: a move into one needs a second official's approval (maker-checker).
RESTRICTING = frozenset({CS.PUBLISHED, CS.REQUESTED, CS.PROVIDED, CS.IMPOUNDED, CS.SEIZED})
#: The stages in which the measure is in force (a release, not a closing, ends them).
IN_FORCE = frozenset({CS.PUBLISHED, CS.REQUESTED, CS.PROVIDED, CS.IMPOUNDED, CS.TEMP_RELEASED, CS.SEIZED})


def _table(*chain: str, extra: Iterable[tuple[str, str]] = ()) -> dict[str, frozenset[str]]:
    """A straight chain of stages ending in 해제, plus `extra` moves; every stage before the measure is in force may
    close (종결)."""
    table: dict[str, set[str]] = {s: set() for s in (*chain, CS.RELEASED, CS.CLOSED)}
    for a, b in zip(chain, chain[1:], strict=False):
        table[a].add(b)
    table[chain[-1]].add(CS.RELEASED)
    for a, b in extra:
        table.setdefault(a, set()).add(b)
    for s in chain:
        if s not in IN_FORCE:
            table[s].add(CS.CLOSED)
    return {s: frozenset(nxt) for s, nxt in table.items()}


_LICENSE = _table(CS.SELECTED, CS.FOREWARNED, CS.REQUESTED)
#: measure → its stages' moves (the picture is in the module docstring).
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    M.DISCLOSURE: _table(CS.SELECTED, CS.NOTIFIED, CS.EXPLANATION, CS.REVIEW, CS.PUBLISHED),
    M.LICENSE_REFUSAL: _LICENSE,
    M.LICENSE_SUSPENSION: _LICENSE,
    M.EXIT_BAN: _table(CS.SELECTED, CS.REQUESTED),
    M.CREDIT_REPORT: _table(CS.SELECTED, CS.FOREWARNED, CS.PROVIDED),
    M.PLATE_IMPOUND: _table(CS.SELECTED, CS.FOREWARNED, CS.IMPOUNDED, extra=[
        (CS.SELECTED, CS.IMPOUNDED), (CS.IMPOUNDED, CS.TEMP_RELEASED), (CS.TEMP_RELEASED, CS.IMPOUNDED),
        (CS.TEMP_RELEASED, CS.RELEASED)]),
    M.SEIZURE: _table(CS.SELECTED, CS.SEIZED),
}
assert set(TRANSITIONS) == set(law.MEASURES)
MACHINES: dict[str, Machine] = {
    m: Machine(f"enforcement case: {m}", table, initial={CS.SELECTED}) for m, table in TRANSITIONS.items()}
EnforcementCase.MACHINES = MACHINES

#: Stage names that differ by measure.
_STAGE_NAMES: dict[tuple[str, str], str] = {
    (M.PLATE_IMPOUND, CS.FOREWARNED): "영치 예고",
    (M.LICENSE_REFUSAL, CS.REQUESTED): "제한 요청",
    (M.LICENSE_SUSPENSION, CS.REQUESTED): "정지·취소 요청",
    (M.EXIT_BAN, CS.REQUESTED): "출국금지 요청",
    (M.CREDIT_REPORT, CS.FOREWARNED): "제공 예고",
    (M.LICENSE_REFUSAL, CS.FOREWARNED): "제한 예고",
    (M.LICENSE_SUSPENSION, CS.FOREWARNED): "제한 예고",
}


def stage_label(measure: str, status: str) -> str:
    return _STAGE_NAMES.get((measure, status)) or str(CS(status).label)


class CaseEvent(ActedEvent):
    """History: one row per stage change of a case (`ActedEvent`: from, to, when, who asked and why — a reason is
    required for a case, the services refuse a blank one), who approved, the stage's date, and what the law said
    that day — `evaluation`, JSON text."""

    OWNER = "case_id"

    case = models.ForeignKey(EnforcementCase, on_delete=models.CASCADE, related_name="events")
    approved_by = models.CharField(max_length=150, blank=True)
    on = models.DateField("단계 일자")
    evaluation = models.TextField(blank=True)

    @property
    def evaluation_data(self) -> dict[str, Any]:
        return json.loads(self.evaluation) if self.evaluation else {}


MOVES: dict[str, Mover] = {
    m: Mover(machine, EnforcementCase, CaseEvent, owner="case_id",
             notes=("actor", "reason", "approved_by", "on", "evaluation"))
    for m, machine in MACHINES.items()}


class MoveRequest(models.Model):
    """A move into a stage that restricts rights, requested by one official, waiting for another's decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", "승인 대기"
        APPROVED = "approved", "승인"
        REJECTED = "rejected", "반려"

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(EnforcementCase, on_delete=models.CASCADE, related_name="requests")
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    on = models.DateField("단계 일자")
    reason = models.TextField()
    # the official who takes the action (the 포상금 ledgers credit them: rewards.EnforcementAction)
    official = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requested_by = models.CharField(max_length=150)
    requested_at = models.DateTimeField()
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(decision="pending"),
                                    name="enforcement_one_pending_request"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status}→{self.to_status} ({self.get_decision_display()})"

    @property
    def stage_name(self) -> str:
        return stage_label(self.case.measure, self.to_status)
