"""What the citizen portal keeps: per-notice verification failures and locks, and one-time codes (hashed)."""

from __future__ import annotations

from django.db import models

from jingsu.notices.models import Notice


class NoticeAccess(models.Model):
    """Failed identity verifications on one notice; 5 lock it for an hour (whoever tries)."""

    notice = models.OneToOneField(Notice, on_delete=models.CASCADE, related_name="access")
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)  # last successful verification


class OneTimeCode(models.Model):
    """A 6-digit code sent by SMS to the number on record. Only its keyed hash is stored."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="one_time_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    sms_key = models.CharField(max_length=64, unique=True)

    class Meta:
        indexes = [models.Index(fields=["notice", "created_at"])]
