"""Staff accounts: a Django user plus the jurisdiction (지자체) they work for and their role."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jingsu.core.models import Jurisdiction
from jingsu.staff.roles import ALL_ROLE_CHOICES, PERMISSIONS, ROLE_BY_CODE, Role


class StaffProfile(models.Model):
    """One per staff user: one jurisdiction, one role. A user without a profile cannot use the console."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    role = models.CharField("역할", max_length=20, choices=ALL_ROLE_CHOICES)
    display_name = models.CharField("이름", max_length=50, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "직원"
        # The console's permissions (jingsu.staff.roles); has_perm("staff.<codename>").
        permissions = sorted(PERMISSIONS.items())

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role_obj.name}, {self.jurisdiction_id})"

    @property
    def role_obj(self) -> Role:
        return ROLE_BY_CODE[self.role]


class AccountSetupToken(models.Model):
    """A one-time link with which the account's owner sets their own password (a new account, or after a reset by
    an administrator). Only the SHA-256 of the random token is stored; it is used once, expires after
    `settings.JINGSU_ACCOUNT_SETUP_HOURS`, and a newer link for the same account revokes the older ones."""

    class Purpose(models.TextChoices):
        NEW = "new", "새 계정"
        RESET = "reset", "비밀번호 다시 설정"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "계정 설정 링크"
        ordering = ["-created_at", "-id"]


class AccountRequest(models.Model):
    """A change to an account asked for by one 시스템관리자 and made only when another one approves (maker-checker):
    a role (a new account's first role too), or a password reset. At most one pending request per account.

    Approving a role for an account without a password, or a reset, issues the set-up link to the approver — so a
    usable link to an account is never shown to the administrator who asked for it."""

    class Kind(models.TextChoices):
        ROLE = "role", "역할"
        RESET = "reset", "비밀번호 초기화"

    class Status(models.TextChoices):
        PENDING = "pending", "승인 대기"
        APPROVED = "approved", "승인"
        REJECTED = "rejected", "반려"

    profile = models.ForeignKey(StaffProfile, on_delete=models.CASCADE, related_name="requests")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    role = models.CharField("요청한 역할", max_length=20, choices=ALL_ROLE_CHOICES)  # RESET: the role at the time
    from_role = models.CharField("요청 때 역할", max_length=20, choices=ALL_ROLE_CHOICES)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.CharField(max_length=150)
    requested_at = models.DateTimeField()
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "계정 변경 요청"
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["profile"], condition=models.Q(status="pending"),
                                               name="staff_one_pending_account_request")]

    @property
    def role_obj(self) -> Role:
        return ROLE_BY_CODE[self.role]

    @property
    def from_role_obj(self) -> Role:
        return ROLE_BY_CODE[self.from_role]

    @property
    def summary(self) -> str:
        if self.kind == self.Kind.RESET:
            return "비밀번호 초기화"
        return f"역할 {self.from_role_obj.name} → {self.role_obj.name}"


class AccountNotice(models.Model):
    """Something done to an account by someone else that its owner must be told about (no outside mail system
    exists): shown on the owner's first screen after login until seen, and always on their account page."""

    class Kind(models.TextChoices):
        PASSWORD_RESET = "password_reset", "비밀번호 다시 설정"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.CharField(max_length=150)  # who did it (the approver of a reset)
    requested_by = models.CharField(max_length=150, blank=True)  # who asked for it, when someone else approved
    created_at = models.DateTimeField()
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "계정 알림"
        ordering = ["-created_at", "-id"]


class UploadBase(models.Model):
    """What a roll upload and a 수납 file upload share (jingsu.staff.uploads runs their one lifecycle): the stored
    file, who uploaded and confirmed it, the status, the validation report and the steps' times.

    uploaded → validating → invalid | validated → importing → done | failed (a failed import may be confirmed again:
    the import is all or nothing and the same file twice changes nothing).
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "올림"
        VALIDATING = "validating", "검증 중"
        INVALID = "invalid", "오류 있음"
        VALIDATED = "validated", "검증 완료"
        IMPORTING = "importing", "가져오는 중"
        DONE = "done", "완료"
        FAILED = "failed", "실패"

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+")
    actor = models.CharField(max_length=150)  # username at upload time (kept if the account goes)
    original_name = models.CharField("파일 이름", max_length=255)
    stored_name = models.CharField(max_length=64, unique=True)  # random, under VAR_DIR/<kind>-uploads/
    size = models.BigIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UPLOADED)
    total_errors = models.IntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # the first ERROR_KEEP problems: {"row", "column", "message"}
    summary = models.JSONField(default=dict, blank=True)  # the import's result
    failure = models.TextField(blank=True)
    confirmed_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()
    validated_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # when a worker took up the step under way (validation, then the import); None while the step waits for one —
    # the dispatch cycle runs waiting steps when there is no broker, and the sweeper fails steps claimed too long ago
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"  # type: ignore[attr-defined]


class RollUpload(UploadBase):
    """One arrears roll uploaded in the console (docs/staff-console.md "Roll upload"): the stored file, the
    importer's validation report and, once confirmed, the import's progress and result (`UploadBase`)."""

    encoding = models.CharField(max_length=20, blank=True)
    rows = models.IntegerField(default=0)  # data rows without any problem (validation; the importer's count)
    taxpayers = models.IntegerField(default=0)  # distinct taxpayers among the valid rows (validation)
    total_tax = models.BigIntegerField(default=0)  # 본세 + 지방교육세 + 도시지역분 of the rows (validation)
    rows_checked = models.IntegerField(default=0)  # valid rows passed by validation so far (progress)
    rows_done = models.IntegerField(default=0)  # rows written so far (import progress)
    # summary: ImportSummary.as_dict() without the file path.
    # The preview made at validation (ImportSummary of a dry run without the file path): new / changed (which
    # columns) / unchanged per taxpayer and levy, and the levies whose taxpayer would change (to be confirmed).
    plan = models.JSONField(default=dict, blank=True)
    owner_change_reason = models.TextField(blank=True)  # the official's reason when confirming owner changes

    class Meta(UploadBase.Meta):
        verbose_name = "체납 자료 올림"


class PaymentUpload(UploadBase):
    """One bank/수납 file uploaded in the console (docs/staff-console.md "수납 파일 가져오기"): the stored file, the
    validation report of `jingsu.payments.files` (every bad line: line, field, reason) and, once confirmed, the
    import's progress and result. The same states and lifecycle as a roll upload (`UploadBase`)."""

    class Layout(models.TextChoices):
        CSV = "csv", "CSV"
        FIXED = "fixed", "고정 길이(120바이트)"

    class Source(models.TextChoices):
        BANK = "bank", "은행 수납 파일"
        WETAX = "wetax", "위택스 수납 파일"
        COUNTER = "counter", "창구 수납 파일"

    sha256 = models.CharField(max_length=64, blank=True)  # of the bytes: the same file twice is refused
    layout = models.CharField("형식", max_length=10, choices=Layout.choices)
    source = models.CharField("수납 경로", max_length=10, choices=Source.choices)
    records = models.IntegerField(default=0)  # payment lines (validation)
    amount = models.BigIntegerField(default=0)  # their sum in won (validation)
    lines_checked = models.IntegerField(default=0)  # lines read by validation so far (progress)
    records_done = models.IntegerField(default=0)  # lines booked so far (import progress)
    # summary: new, duplicates, matched, unmatched, amount, unmatched_lines
    payment_file = models.ForeignKey("payments.PaymentFile", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")

    class Meta(UploadBase.Meta):
        verbose_name = "수납 파일 올림"
