"""`jingsu keys rotate`: every encrypted value re-encrypted under the first key of JINGSU_PII_KEYS, verified against
its keyed hash, resumable after a stop, audited (jingsu.core.keys)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from jingsu.core import crypto, keys
from jingsu.core.models import AuditLog
from jingsu.rewards.models import Civilian, Official
from jingsu.taxpayers.models import Taxpayer, TaxpayerCI

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def keyring(settings):
    """Switch JINGSU_PII_KEYS within the test (the cached keys forgotten each time and at the end)."""

    def use(value: str) -> None:
        settings.JINGSU_PII_KEYS = value
        crypto.reset_keys()

    use(OLD)
    yield use
    crypto.reset_keys()


def _taxpayer(n: int, clock) -> Taxpayer:
    reg = f"8501011{n:06d}"
    return Taxpayer.objects.create(
        jurisdiction_id="11260", kind="individual", name=f"납세자{n}", registration_hash=crypto.lookup_hash(reg),
        registration_encrypted=crypto.encrypt(reg), registration_masked=crypto.mask_registration_number(reg),
        address="서울특별시 중랑구 봉화산로 179", created_at=clock.now(), updated_at=clock.now())


@pytest.fixture
def records(db, keyring, clock):
    taxpayers = [_taxpayer(n, clock) for n in range(1, 8)]
    TaxpayerCI.objects.create(taxpayer=taxpayers[0], result_code="00", obtained_at=clock.now(),
                              **TaxpayerCI.sealed("CI-" + "A" * 80))
    official = Official(jurisdiction_id="11260", name="정세무", rank="주무관", department="세무1과",
                        created_at=clock.now())
    official.set_account("국민", "110-123-456789", "정세무")
    official.save()
    civilian = Civilian(jurisdiction_id="11260", name="오신고", created_at=clock.now())
    civilian.set_account("신한", "140-000-111222", "오신고")
    civilian.save()
    return taxpayers


def _opens_with(key: str, token: str) -> str | None:
    try:
        return Fernet(key.encode()).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def test_every_encrypted_field_of_every_model_is_in_the_rotation():
    listed = {(app, model, enc) for _, _, app, model, enc, _, _ in keys.ENCRYPTED_FIELDS}
    found = {(m._meta.app_label, m.__name__, f.name) for m in apps.get_models() if not m._meta.abstract
             for f in m._meta.get_fields() if getattr(f, "name", "").endswith("_encrypted")}
    assert found == listed


def test_rotate_reencrypts_every_value_under_the_new_key_and_keeps_it_readable(records, keyring, clock, capsys):
    before = {t.id: t.reveal_registration_number() for t in Taxpayer.objects.all()}
    keyring(f"{NEW},{OLD}")
    assert keys.status().remaining == 7 + 1 + 2  # 7 registration numbers, 1 CI, 2 accounts

    call_command("keys", "rotate", "--batch", "3", "--actor", "보안담당")
    out = capsys.readouterr().out
    assert "다시 암호화 10건, 이전 키로 남은 값 0건." in out and "납세자 주민등록번호: 7건 확인, 7건 다시 암호화" in out

    for t in Taxpayer.objects.all():
        assert _opens_with(NEW, t.registration_encrypted) == before[t.id]
        assert _opens_with(OLD, t.registration_encrypted) is None
    ci = TaxpayerCI.objects.get()
    assert _opens_with(NEW, ci.ci_encrypted) == "CI-" + "A" * 80
    assert _opens_with(NEW, Official.objects.get().account_encrypted) == "110123456789"
    assert _opens_with(NEW, Civilian.objects.get().account_encrypted) == "140000111222"

    keyring(NEW)  # the old key removed: everything still opens
    assert {t.id: t.reveal_registration_number() for t in Taxpayer.objects.all()} == before
    row = AuditLog.objects.get(action="keys.rotate")
    assert row.actor == "보안담당" and row.at == clock.now()
    assert row.detail["columns"]["taxpayer_registration"] == {"values": 7, "rotated": 7, "old_key": 0}
    assert "8501011" not in str(row.detail)

    call_command("keys", "status")
    assert "모든 값이 맨 앞의 키로 암호화되어 있습니다" in capsys.readouterr().out


def test_a_stopped_rotation_continues_where_it_was(records, keyring, clock):
    keyring(f"{NEW},{OLD}")

    class Stop(Exception):
        pass

    def stop_after_first_batch(label: str, seen: int, rotated: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        keys.rotate(actor="t", clock=clock, batch=3, progress=stop_after_first_batch)
    tokens = list(Taxpayer.objects.order_by("id").values_list("registration_encrypted", flat=True))
    assert [_opens_with(NEW, t) is not None for t in tokens] == [True] * 3 + [False] * 4  # first batch committed

    summary = keys.rotate(actor="t", clock=clock, batch=3)
    assert summary.columns[0].rotated == 4 and summary.columns[0].total == 7 and summary.remaining == 0


def test_a_value_that_does_not_match_its_hash_stops_the_batch_unwritten(records, keyring, clock):
    bad = records[4]
    Taxpayer.objects.filter(id=bad.id).update(registration_hash="0" * 64)
    keyring(f"{NEW},{OLD}")
    with pytest.raises(CommandError, match=r"납세자 주민등록번호 \d+번: 복호화한 값의 검색용 해시가 저장된 해시와 다릅니다"):
        call_command("keys", "rotate", "--batch", "3")
    tokens = list(Taxpayer.objects.order_by("id").values_list("registration_encrypted", flat=True))
    assert [_opens_with(NEW, t) is not None for t in tokens] == [True] * 3 + [False] * 4  # batch 2 (rows 4–6) unwritten
    assert not AuditLog.objects.filter(action="keys.rotate").exists()


def test_rotate_needs_a_new_key_in_front_of_the_old(records):
    with pytest.raises(CommandError, match="키가 하나뿐입니다. 새 키를 JINGSU_PII_KEYS의 맨 앞에"):
        call_command("keys", "rotate")
