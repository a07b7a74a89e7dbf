"""Jurisdictions (지자체), the audit log, holidays and the shape of a status history row (`StatusEvent`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import models

from jingsu.core.formats import kdate


@dataclass(frozen=True)
class Sender:
    """Who sends to citizens and answers their calls: the office (부서, e.g. 중랑구 세무1과), its team (체납징수팀) and a
    telephone number a citizen can call back. Every alert, document and portal page names it (docs/portal.md)."""

    office: str
    team: str = ""
    phone: str = ""

    @property
    def name(self) -> str:
        """"중랑구 세무1과 체납징수팀" (the office alone when no team is set)."""
        return f"{self.office} {self.team}".strip()

    @property
    def contact(self) -> str:
        """"중랑구 세무1과 체납징수팀 02-2094-1234": the name, then the number when there is one — never a label
        without its value."""
        return f"{self.name} {self.phone}".strip()

    def as_issuer(self) -> dict[str, Any]:
        """The issuer of a notice's canonical content: office and phone, and the team only when there is one, so
        content built before teams existed keeps its bytes and its hash (docs/notices.md)."""
        issuer: dict[str, Any] = {"office": self.office, "phone": self.phone}
        if self.team:
            issuer["team"] = self.team
        return issuer

    @classmethod
    def from_issuer(cls, issuer: dict[str, Any]) -> Sender:
        return cls(office=issuer.get("office", ""), team=issuer.get("team", ""), phone=issuer.get("phone", ""))


class UnknownJurisdiction(LookupError):
    """A 행정표준코드 no `Jurisdiction` has; the message names the code for the person who typed it."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"관할 코드 '{code}'를 찾을 수 없습니다")


class Jurisdiction(models.Model):
    """A local government, identified by its 행정표준코드 (5 digits). Every domain row belongs to one."""

    class Level(models.TextChoices):
        METROPOLITAN = "metropolitan", "특별시·광역시·도"
        DISTRICT = "district", "시·군·구"

    code = models.CharField("행정표준코드", max_length=5, primary_key=True)
    name = models.CharField("이름", max_length=50)
    level = models.CharField(max_length=20, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    office_name = models.CharField("발신 기관명", max_length=50, blank=True)
    office_phone = models.CharField("문의 전화", max_length=20, blank=True)
    # the team inside the office that sends and answers (체납징수팀); set by the office (`jingsu office`)
    office_team = models.CharField("담당 팀", max_length=50, blank=True, default="")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"

    @classmethod
    def by_code(cls, code: str) -> Jurisdiction:
        """The one way an entry point (a command, the CLI, a Celery task) turns a code into the jurisdiction that
        services take; `UnknownJurisdiction` names the code when there is none."""
        found = cls.objects.filter(code=str(code)).first()
        if found is None:
            raise UnknownJurisdiction(str(code))
        return found

    @property
    def sender(self) -> Sender:
        """The office, team and telephone number as set now (the jurisdiction's name when no office is set)."""
        return Sender(office=self.office_name or self.name, team=self.office_team, phone=self.office_phone)

    def law_chain(self) -> list[str]:
        """Codes from this jurisdiction up to the nation, as jingsu.law inherits parameters."""
        chain = [self.code]
        node = self.parent
        while node is not None:
            chain.append(node.code)
            node = node.parent
        return [*chain, "kr"]


class AuditLog(models.Model):
    """Who did what to which record, and when. Written by every service that changes data or reveals personal data."""

    jurisdiction = models.ForeignKey(Jurisdiction, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=100)  # a user name, or "system:<component>"
    action = models.CharField(max_length=50)  # e.g. roll.import, taxpayer.reveal, campaign.approve
    target_type = models.CharField(max_length=50, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)  # never personal data

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_type}:{self.target_id}"



class AuditBufferMark(models.Model):
    """How far the buffered audit entries (jingsu.core.auditbuffer) have been moved into `AuditLog`: the sequence
    number of the last one inserted, committed with those rows. Its row lock makes one flusher run at a time."""

    name = models.CharField(max_length=50, primary_key=True)
    last_seq = models.BigIntegerField(default=0)

class Holiday(models.Model):
    """A day on which nothing is sent (공휴일, or a day an office sets). Without a jurisdiction it applies to all."""

    date = models.DateField()
    name = models.CharField(max_length=50)
    jurisdiction = models.ForeignKey(Jurisdiction, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["date", "jurisdiction"], name="holiday_unique_day")]

    def __str__(self) -> str:
        return f"{kdate(self.date)} {self.name}"


class StatusEvent(models.Model):
    """History: one row per status move of a row whose status has a machine (`jingsu.core.states.Mover` writes
    them): from, to and when (the injected clock's time). A concrete history adds the foreign key to the moved row
    (named by `OWNER`, its column) and the notes its mover fills (`CampaignEvent`, `NoticeEvent`: actor and reason;
    `DeliveryEvent`: the provider's code). 16 characters hold every status of every machine."""

    OWNER: ClassVar[str]  # the column naming the moved row, e.g. "attempt_id"

    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{getattr(self, self.OWNER)}: {self.from_status}→{self.to_status}"
