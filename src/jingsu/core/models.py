"""Jurisdictions (지자체) and the audit log."""

from __future__ import annotations

from django.db import models

from jingsu.core.formats import kdate


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

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"

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
