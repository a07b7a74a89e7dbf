"""Encryption-key rotation for personal data at rest (`jingsu keys status|rotate`, docs/operations.md "Keys").

How an office rotates (개인정보의 안전성 확보조치 기준 제7조: 암호 키의 안전한 관리):
1. generate a new Fernet key and put it FIRST in JINGSU_PII_KEYS, the old key(s) after it; restart every process
   (the first key encrypts new values, every key decrypts);
2. `jingsu keys rotate` re-encrypts every value that the first key alone cannot open, in batches of `batch` rows,
   each batch its own transaction: stopped at any point, the same command continues where it was (a value the new
   key already opens is skipped);
3. every re-encrypted value is verified before it is written: it opens with the new key alone, to the same plaintext,
   and where the column has a keyed hash (registration number, CI), the hash of the plaintext equals the stored hash;
4. `jingsu keys status` then shows 0 values under old keys; only then is the old key removed from JINGSU_PII_KEYS.
The run is audited (`keys.rotate`, with counts per column; no value is written to the log).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction

from jingsu.clock import Clock
from jingsu.core import audit, crypto

#: Every encrypted column: (code, Korean name, app label, model, encrypted field, keyed-hash field or "", hash function
#: or None). A new encrypted column is added here; tests/foundation/test_keys_rotate.py fails for an `*_encrypted` field
#: not listed. The code names the column in the audit row's detail (the audit screen shows the Korean name).
ENCRYPTED_FIELDS: tuple[tuple[str, str, str, str, str, str, Callable[[str], str] | None], ...] = (
    ("taxpayer_registration", "납세자 주민등록번호", "taxpayers", "Taxpayer", "registration_encrypted",
     "registration_hash", crypto.lookup_hash),
    ("taxpayer_ci", "연계정보(CI)", "taxpayers", "TaxpayerCI", "ci_encrypted", "ci_hash", crypto.ci_hash),
    ("official_account", "포상금 대상 공무원 계좌번호", "rewards", "Official", "account_encrypted", "", None),
    ("civilian_account", "민간인 신고자 계좌번호", "rewards", "Civilian", "account_encrypted", "", None),
    ("civilian_birth_date", "민간인 신고자 생년월일", "rewards", "Civilian", "birth_date_encrypted", "", None),
    ("claim_account", "지급신청 계좌번호", "rewards", "Claim", "account_encrypted", "", None),
    ("contract_client_secret", "KT 계약 클라이언트 비밀값", "delivery", "IntermediaryContract", "client_secret_encrypted",
     "", None),
    ("contract_service_key", "KT 계약 서비스 키", "delivery", "IntermediaryContract", "service_key_encrypted", "", None),
)
#: code → Korean name (the audit screen's detail keys)
COLUMN_LABELS = {code: label for code, label, *_ in ENCRYPTED_FIELDS}


@dataclass
class ColumnCount:
    code: str
    label: str
    total: int = 0
    under_old_keys: int = 0
    rotated: int = 0


@dataclass
class RotationSummary:
    columns: list[ColumnCount] = field(default_factory=list)

    @property
    def rotated(self) -> int:
        return sum(c.rotated for c in self.columns)

    @property
    def remaining(self) -> int:
        return sum(c.under_old_keys for c in self.columns)


def _columns() -> list[tuple[type, str, str, Callable[[str], str] | None, str, str]]:
    return [(apps.get_model(app, model), enc, hash_field, fn, code, label)
            for code, label, app, model, enc, hash_field, fn in ENCRYPTED_FIELDS]


def status() -> RotationSummary:
    """How many values each column holds and how many the first key alone cannot open."""
    summary = RotationSummary()
    for model, enc, _, _, code, label in _columns():
        count = ColumnCount(code, label)
        for token in model.objects.exclude(**{enc: ""}).values_list(enc, flat=True).iterator(chunk_size=2000):
            count.total += 1
            if not crypto.encrypted_with_primary(token):
                count.under_old_keys += 1
        summary.columns.append(count)
    return summary


def rotate(*, actor: str, clock: Clock, batch: int = 1000,
           progress: Callable[[str, int, int], None] | None = None) -> RotationSummary:
    """Re-encrypt every value the first key alone cannot open (resumable; see the module docstring). Raises
    RotationError (nothing of the failing batch written) when a value does not verify."""
    if crypto.key_count() < 2:
        raise crypto.RotationError(
            "키가 하나뿐입니다. 새 키를 JINGSU_PII_KEYS의 맨 앞에, 이전 키를 그 뒤에 두고 다시 실행하십시오.")
    summary = RotationSummary()
    for model, enc, hash_field, fn, code, label in _columns():
        count = ColumnCount(code, label)
        summary.columns.append(count)
        fields = ["id", enc] + ([hash_field] if hash_field else [])
        last = 0
        while True:
            with transaction.atomic():
                rows = list(model.objects.select_for_update().filter(id__gt=last).exclude(**{enc: ""})
                            .order_by("id").values_list(*fields)[:batch])
                if not rows:
                    break
                last = rows[-1][0]
                changed = []
                for row in rows:
                    count.total += 1
                    token = row[1]
                    if crypto.encrypted_with_primary(token):
                        continue
                    new, plaintext = crypto.rotate_token(token)
                    if fn is not None and fn(plaintext) != row[2]:
                        raise crypto.RotationError(
                            f"{label} {row[0]}번: 복호화한 값의 검색용 해시가 저장된 해시와 다릅니다. "
                            "키 설정(JINGSU_LOOKUP_KEY·JINGSU_CI_LOOKUP_KEY)을 확인하십시오. 이 묶음은 쓰지 않았습니다.")
                    changed.append(model(id=row[0], **{enc: new}))
                if changed:
                    model.objects.bulk_update(changed, [enc], batch_size=batch)
                    count.rotated += len(changed)
            if progress:
                progress(label, count.total, count.rotated)
    after = status()
    for done, check in zip(summary.columns, after.columns, strict=True):
        done.under_old_keys = check.under_old_keys
    audit.record("keys.rotate", actor=actor, jurisdiction=None, clock=clock, detail={
        "columns": {c.code: {"values": c.total, "rotated": c.rotated, "old_key": c.under_old_keys}
                    for c in summary.columns}})
    return summary
