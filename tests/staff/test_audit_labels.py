"""The audit log in words (jingsu.staff.audit_labels): every action written anywhere in src has a Korean label, every
model a record name, every detail key a Korean key; details, targets and actors read as people write them."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from django.apps import apps

from jingsu.core.models import Jurisdiction
from jingsu.core.runtime import runtime
from jingsu.staff import audit_labels as al

SRC = Path(__file__).resolve().parents[2] / "src" / "jingsu"
#: actions built with an f-string (staff.services.decide_request)
BUILT = {"staff.role_approve", "staff.role_reject", "staff.password_reset_approve", "staff.password_reset_reject"}


def _audit_calls():
    """(action, detail keys) of every audit.record(...) call and `action=` argument with a literal action in src."""
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and any(
                    isinstance(t, ast.Name) and t.id == "action" for t in node.targets):
                if isinstance(node.value.value, str) and "." in node.value.value:
                    yield node.value.value, [], path
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            action = None
            if name == "record" and node.args and isinstance(node.args[0], ast.Constant):
                action = node.args[0].value
            for kw in node.keywords:
                if kw.arg == "action" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    action = kw.value.value
            if not isinstance(action, str) or "." not in action or " " in action:
                continue
            keys = [k.value for kw in node.keywords if kw.arg == "detail" and isinstance(kw.value, ast.Dict)
                    for k in kw.value.keys if isinstance(k, ast.Constant)]
            yield action, keys, path


def test_every_action_written_in_src_has_a_korean_label():
    found = {action for action, _, _ in _audit_calls()} | BUILT
    assert len(found) > 80
    assert sorted(found - set(al.ACTION_LABELS)) == []


def test_every_detail_key_written_in_src_has_a_korean_name():
    from jingsu.rolls.importer import ImportSummary

    keys = {k for _, ks, _ in _audit_calls() for k in ks} | {f.name for f in dataclasses.fields(ImportSummary)}
    keys |= {"total_arrears", "tax_items", "min_amount", "max_amount", "min_age", "max_age", "include_statuses"}
    assert sorted(keys - set(al.DETAIL_KEYS) - al.HIDDEN_KEYS) == []


def test_every_model_has_a_record_name():
    models = [m for m in apps.get_models() if m.__module__.startswith("jingsu.")]
    assert len(models) > 30
    assert sorted(m._meta.label_lower for m in models if m._meta.label_lower not in al.TARGET_LABELS) == []


def test_actions_targets_and_their_fallbacks():
    assert al.action_label("reward.batch.paid") == "포상금 지급 완료"
    assert al.action_label("reward.something.new") == "포상금 관련 작업"
    assert al.action_label("test.unknown") == "기타 작업"
    assert al.target_label("rewards.claim", "4") == "포상금 지급신청 4번"
    assert al.target_label("roll", "roll_small.csv") == "체납 자료 파일 roll_small.csv"
    assert al.target_label("elsewhere.thing", "7") == "기록 7번"
    assert al.target_label("", "") == ""


@pytest.mark.django_db
def test_details_read_as_people_write_them():
    assert al.detail_items("reward.claim.approve", {"amount": 43570, "remaining": 956430, "budget_year": 2026}) == [
        ("금액", "43,570원"), ("남은 예산", "956,430원"), ("지급 연도", "2026")]
    assert al.detail_items("reward.action.record", {"kind": "plate-impound", "levy": 3, "taken_on": "2026-11-02"}) == [
        ("종류", "자동차등록번호판 영치"), ("부과 건", "3번"), ("처분일", "2026. 11. 2.")]
    assert al.detail_items("campaign.create", {"kind": "arrears", "channels": ["kakao", "sms"], "control_share": 10})\
        == [("종류", "체납안내문"), ("발송 채널", "카카오톡 전자문서, 문자 메시지"), ("대조군 비율", "10%")]
    assert al.detail_items("payment.receive", {"amount": 123450, "channel": "e-payment"}) == [
        ("금액", "123,450원"), ("수단", "전자납부")]
    assert al.detail_items("payment.allocate", {"levies": [3, 5], "matched_by": "payment_number", "tax": 643200}) == [
        ("부과 건", "3번, 5번"), ("대사 기준", "전자납부번호"), ("본세 등", "643,200원")]
    assert al.detail_items("reward.meeting.decide", {"approved": ["case-1"], "in_favour": True, "x": None}) == [
        ("가결 안건", "안건 1"), ("찬성", "예"), ("그 밖의 항목", "없음")]
    assert al.detail_items("staff.role_approve", {"from": "none", "to": "clerk", "username": "kim-11260"}) == [
        ("이전", "역할 없음"), ("이후", "담당자"), ("아이디", "kim-11260")]
    assert al.detail_items("levy.reduce", {"before": {"principal": 100000}, "refund": {"tax": 5000}}) == [
        ("정정 전", "(본세 100,000원)"), ("환급", "(본세 등 5,000원)")]
    assert al.detail_items("roll.upload", {"file": "a.csv", "size": 1024, "stored": "0f3a.csv"}) == [
        ("파일", "a.csv"), ("크기", "1,024")]


@pytest.mark.django_db
def test_who_acted_in_korean(world):
    from jingsu.rewards import services as rw

    official = rw.add_official(Jurisdiction.by_code("11260"), name="한지민", rank="주무관", department="세무과", actor="t", clock=runtime().clock)
    assert al.actor_label("cli") == "명령줄"
    assert al.actor_label("cli:import-roll") == "명령줄(체납 자료 가져오기)"
    assert al.actor_label("system:reconcile") == "시스템(수납 대사)"
    assert al.actor_label("system:unknown-process") == "시스템"
    assert al.actor_label("citizen@10.0.0.7") == "납세자(접속 주소 10.0.0.7)"
    assert al.actor_label(f"official:{official.pk}") == "직원 한지민"
    assert al.actor_label("") == "알 수 없음"
    assert al.actor_label("clerk-11260") == "clerk-11260"
    assert al.actor_label("clerk-11260", {"clerk-11260": "김담당"}) == "김담당(clerk-11260)"
    assert al.actor_label("team_lead-11260 (예약 발송)") == "team_lead-11260 (예약 발송)"
