"""Taxpayers (납세자) and their CI (연계정보), kept apart.

The registration number (주민등록번호 / 외국인등록번호 / 사업자등록번호) is never stored in plaintext: `registration_encrypted`
holds it encrypted (jingsu.core.crypto), `registration_hash` is a keyed hash for lookups, `registration_masked` is
what screens show. The CI lives in its own table (정보통신망법 제23조의6: CI is kept separately from the number).
"""

from __future__ import annotations

from django.db import models

from jingsu.core import crypto
from jingsu.core.models import Jurisdiction

#: Why a taxpayer's identity is still kept after its retention period could have ended (jingsu.ops.retention), in
#: the order its report lists them; the audit screen reads the same words.
RETENTION_HOLDS = {
    "open_levy": "체납·징수 중인 부과 건",
    "open_case": "진행 중인 체납처분",
    "refund_pending": "환급 대기",
    "installments": "분할 납부",
    "callback_open": "처리 중인 연락 요청",
    "notice_in_delivery": "발송 중인 안내문",
    "within_period": "보유 기간 안",
    "no_rule": "보유 기간을 정할 법령 없음(확인 필요)",
}


class Taxpayer(models.Model):
    #: name and masked number of a taxpayer whose identity was destroyed at the end of its retention period
    #: (jingsu.ops.retention; the encrypted number is then empty)
    DESTROYED = "(파기)"

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "개인"
        CORPORATION = "corporation", "법인"
        FOREIGN = "foreign", "외국인"

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="taxpayers")
    kind = models.CharField("납세자구분", max_length=12, choices=Kind.choices)
    name = models.CharField("성명", max_length=100)
    registration_hash = models.CharField(max_length=64)
    registration_encrypted = models.TextField()
    registration_masked = models.CharField("등록번호(마스킹)", max_length=20)
    address = models.CharField("주소", max_length=200)
    postal_code = models.CharField("우편번호", max_length=5, blank=True)
    mobile = models.CharField("휴대전화", max_length=11, blank=True)
    e_service = models.BooleanField("전자송달 신청", default=False)
    opt_out = models.BooleanField("수신거부", default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "registration_hash"], name="taxpayer_unique_registration")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.registration_masked})"

    @property
    def destroyed(self) -> bool:
        return self.registration_masked == self.DESTROYED

    def reveal_registration_number(self) -> str:
        """Plaintext number. Call only through taxpayers.services.reveal_registration_number, which audits."""
        return crypto.decrypt(self.registration_encrypted)

    @property
    def is_individual(self) -> bool:
        return self.kind in (self.Kind.INDIVIDUAL, self.Kind.FOREIGN)


class TaxpayerCIQuerySet(models.QuerySet["TaxpayerCI"]):
    def matching(self, ci: str) -> TaxpayerCIQuerySet:
        """Rows holding this CI, found through its keyed hash (the CI itself is never in a WHERE clause)."""
        if not ci:
            return self.none()
        return self.filter(ci_hash=crypto.ci_hash(ci))


class TaxpayerCI(models.Model):
    """연계정보 obtained from the identity agency for one taxpayer; separate from the registration number.

    The CI is encrypted at rest like the registration number (`ci_encrypted`, jingsu.core.crypto) and found through
    its own keyed hash (`ci_hash`, key JINGSU_CI_LOOKUP_KEY). Both are empty when the agency had no match."""

    taxpayer = models.OneToOneField(Taxpayer, on_delete=models.CASCADE, related_name="ci_record")
    ci_encrypted = models.TextField(blank=True)
    ci_hash = models.CharField(max_length=64, blank=True, db_index=True)
    result_code = models.CharField(max_length=20)
    obtained_at = models.DateTimeField()

    objects = TaxpayerCIQuerySet.as_manager()

    def __str__(self) -> str:
        return f"CI for taxpayer {self.taxpayer_id}: {self.result_code}"

    @classmethod
    def sealed(cls, ci: str | None) -> dict[str, str]:
        """The stored fields for a CI (or for no match): {'ci_encrypted': …, 'ci_hash': …}."""
        if not ci:
            return {"ci_encrypted": "", "ci_hash": ""}
        return {"ci_encrypted": crypto.encrypt(ci), "ci_hash": crypto.ci_hash(ci)}

    @property
    def ci(self) -> str:
        """The plaintext CI ('' when the agency had no match), for handing to an intermediary; never shown."""
        return crypto.decrypt(self.ci_encrypted) if self.ci_encrypted else ""
