"""수납 파일 가져오기 in the console (issue #14 item 1): upload → validation report (every bad line: line, field,
reason) → confirm → import, whole or nothing, audited; the same file twice refused; the sample files of
docs/formats/samples import cleanly. Without a broker the steps wait for the dispatch cycle, which `work()` runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from _staff_helpers import HOME, OTHER, as_, no_inline, text
from django.core.files.uploadedfile import SimpleUploadedFile

from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.levies import numbers
from jingsu.payments.files import import_payment_file
from jingsu.payments.models import Payment, PaymentFile
from jingsu.staff import payment_uploads
from jingsu.staff.models import PaymentUpload

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "formats" / "samples"
URL = "/staff/money/files/"
HEADER = "거래번호,수납일시,금액,전자납부번호,가상계좌,과세번호,납부수단"


@pytest.fixture(autouse=True)
def _steps(clock, tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    yield


def work():
    """What the dispatch cycle does for payment uploads when there is no broker."""
    payment_uploads.run_pending()


def upload(client, content: bytes, name: str = "수납.csv", layout: str = "csv", source: str = "bank"):
    r = client.post(URL, {"file": SimpleUploadedFile(name, content, content_type="text/plain"), "layout": layout,
                          "source": source})
    work()
    return r


def confirm(client, pk: int):
    r = client.post(f"/staff/money/files/{pk}/confirm/")
    work()
    return r


def latest() -> PaymentUpload:
    return PaymentUpload.objects.latest("id")


def csv_file(*lines: str) -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp949")


@pytest.mark.django_db
@pytest.mark.parametrize("sample, layout", [("payments-sample.csv", "csv"), ("payments-sample.txt", "fixed")])
def test_the_sample_files_import_cleanly_through_the_screen(world, client, sample, layout):
    as_(client, world)
    r = upload(client, (SAMPLES / sample).read_bytes(), name=sample, layout=layout)
    up = latest()
    assert r.status_code == 302 and r["Location"] == f"/staff/money/files/{up.pk}/"
    assert up.status == PaymentUpload.Status.VALIDATED and up.total_errors == 0, up.errors
    assert (up.records, up.amount, up.jurisdiction_id) == (3, 524_800, HOME)
    page = client.get(r["Location"])
    assert "검증 결과: 오류 없음" in text(page) and "가져오기 확정" in text(page)
    assert not Payment.objects.filter(external_id__startswith="B202611").exists(), "validation writes nothing"
    no_inline(page)

    r = confirm(client, up.pk)
    up.refresh_from_db()
    assert up.status == PaymentUpload.Status.DONE, up.failure
    assert up.summary["new"] == 3 and up.summary["matched"] == 3 and up.summary["unmatched"] == 0
    assert Payment.objects.filter(external_id__startswith="B202611", jurisdiction_id=HOME).count() == 3
    pf = PaymentFile.objects.get(pk=up.payment_file_id)
    assert pf.name == sample and pf.layout == layout and pf.imported_by == f"clerk-{HOME}"
    assert not payment_uploads.stored_path(up).exists(), "the file is deleted after the import"
    actions = list(AuditLog.objects.filter(action__startswith="payment.").filter(
        action__in=["payment.upload", "payment.upload.confirm", "payment.file_import"]).values_list("action", "actor"))
    assert set(actions) == {("payment.upload", f"clerk-{HOME}"), ("payment.upload.confirm", f"clerk-{HOME}"),
                            ("payment.file_import", f"clerk-{HOME}")}
    body = text(client.get(f"/staff/money/files/{up.pk}/"))
    assert "가져오기 완료" in body and "524,800원" in body
    status = client.get(f"/staff/money/files/{up.pk}/status.json").json()
    assert status["status"] == "done" and status["summary"]["matched"] == 3
    # a second confirmation does nothing
    confirm(client, up.pk)
    assert Payment.objects.filter(external_id__startswith="B202611").count() == 3
    # the reconciliation of the import's day lists the file under its own name
    assert sample in text(client.get("/staff/money/reconciliation/"))


@pytest.mark.django_db
def test_every_bad_line_is_reported_with_line_field_and_reason_and_nothing_is_written(world, client):
    as_(client, world)
    other_number = numbers.payment_number(OTHER, "14", 2026, 12)
    content = csv_file(
        "T1,20261123093012,1000,,,11260-14-2024-0000001,02",  # good
        "T2,20261123093012,천원,,,11260-14-2024-0000001,02",  # 3행 금액
        "T3,2026-13-45 10:00:00,1000,,,11260-14-2024-0000001,02",  # 4행 수납일시
        "T4,20261123093012,1000,,,,02",  # 5행 no reference
        "T1,20261123093012,1000,,,11260-14-2024-0000001,02",  # 6행 the same 거래번호 as line 2
        "T5,20261123093012,1000,,,11260-14-2024-0000001,09",  # 7행 납부수단
        f"T6,20261123093012,1000,{other_number},,,02",  # 8행 another jurisdiction's number
    )
    before = Payment.objects.count()
    upload(client, content)
    up = latest()
    assert up.status == PaymentUpload.Status.INVALID
    found = {(e["row"], e["column"]) for e in up.errors}
    assert found == {(3, "금액"), (4, "수납일시"), (5, "전자납부번호"), (6, "거래번호"), (7, "납부수단"),
                     (8, "전자납부번호")}
    body = text(client.get(f"/staff/money/files/{up.pk}/"))
    assert f"검증 오류 {up.total_errors}건" in body and "아무것도 기록하지 않았습니다" in body
    assert "숫자(0-9)로만 쓴 양의 정수(원)여야 합니다" in body and "다른 자치단체(11350)의 전자납부번호입니다" in body
    assert "가져오기 확정" not in body
    assert Payment.objects.count() == before
    assert not payment_uploads.stored_path(up).exists(), "a refused file is removed"
    confirm(client, up.pk)
    assert latest().status == PaymentUpload.Status.INVALID and Payment.objects.count() == before


@pytest.mark.django_db
def test_the_same_file_twice_is_refused(world, client):
    as_(client, world)
    content = (SAMPLES / "payments-sample.csv").read_bytes()
    upload(client, content)
    confirm(client, latest().pk)
    assert latest().status == PaymentUpload.Status.DONE
    payments = Payment.objects.count()
    upload(client, content, name="다시.csv")
    again = latest()
    assert again.status == PaymentUpload.Status.INVALID
    assert "이미 가져온 파일입니다" in again.errors[0]["message"]
    assert "'수납.csv'와 내용이 같습니다" in again.errors[0]["message"]
    assert Payment.objects.count() == payments


@pytest.mark.django_db
def test_a_file_imported_between_validation_and_confirmation_fails_the_import(world, client, clock, tmp_path):
    as_(client, world)
    content = (SAMPLES / "payments-sample.csv").read_bytes()
    upload(client, content)
    up = latest()
    assert up.status == PaymentUpload.Status.VALIDATED
    path = tmp_path / "cli.csv"
    path.write_bytes(content)
    import_payment_file(path, jurisdiction=Jurisdiction.by_code(HOME), layout="csv", actor="cli", clock=clock)  # the CLI, meanwhile
    confirm(client, up.pk)
    up.refresh_from_db()
    assert up.status == PaymentUpload.Status.FAILED and "검증 후 달라진 점" in up.failure
    assert "이미 가져온 파일입니다" in up.errors[0]["message"]
    assert not payment_uploads.can_confirm(up)


@pytest.mark.django_db
def test_a_transaction_recorded_with_another_amount_is_refused(world, client):
    as_(client, world)
    upload(client, csv_file("D1,20261123093012,1000,,,11260-14-2024-0000001,02"))
    confirm(client, latest().pk)
    upload(client, csv_file("D1,20261123093012,999999,,,11260-14-2024-0000001,02"))
    up = latest()
    assert up.status == PaymentUpload.Status.INVALID
    assert up.errors[0]["row"] == 2 and up.errors[0]["column"] == "금액"
    assert "이미 1,000원으로 기록되어 있는데" in up.errors[0]["message"]


@pytest.mark.django_db
def test_form_checks_in_korean(world, client, settings):
    as_(client, world)
    r = client.post(URL, {"file": SimpleUploadedFile("수납.xlsx", b"x"), "layout": "csv", "source": "bank"})
    assert r.status_code == 400 and "CSV(.csv) 또는 고정 길이(.txt, .dat) 파일만" in text(r)
    r = client.post(URL, {"layout": "csv", "source": "bank"})
    assert r.status_code == 400 and "올릴 파일을 고르세요" in text(r)
    settings.JINGSU_PAYMENT_UPLOAD_MAX_MB = 1
    r = client.post(URL, {"file": SimpleUploadedFile("big.csv", b"0" * ((1 << 20) + 10)), "layout": "csv",
                          "source": "bank"})
    assert r.status_code == 400 and "1MB까지 올릴 수 있습니다" in text(r)
    r = client.post(URL, {"file": SimpleUploadedFile("a.csv", b"x"), "layout": "xml", "source": "bank"})
    assert r.status_code == 400 and not PaymentUpload.objects.exists()
    page = client.get(URL)
    assert "최대 1MB" in text(page) and "고정 길이(120바이트)" in text(page)
    no_inline(page)


@pytest.mark.django_db
def test_a_wrong_layout_is_reported_on_the_first_line(world, client):
    as_(client, world)
    upload(client, (SAMPLES / "payments-sample.txt").read_bytes(), name="수납.txt", layout="csv")
    up = latest()
    assert up.status == PaymentUpload.Status.INVALID
    assert up.errors[0]["row"] == 1 and up.errors[0]["column"] == "머리글"


@pytest.mark.django_db
def test_progress_is_counted_while_validating(world, client, monkeypatch):
    as_(client, world)
    monkeypatch.setattr("jingsu.payments.files.PROGRESS_EVERY", 2)
    lines = [f"P{i},20261123093012,1000,,,11260-14-2024-0000001,02" for i in range(7)]
    upload(client, csv_file(*lines))
    up = latest()
    assert up.status == PaymentUpload.Status.VALIDATED and up.records == 7 and up.lines_checked == 8
    confirm(client, up.pk)
    up.refresh_from_db()
    assert up.status == PaymentUpload.Status.DONE and up.records_done == 7


@pytest.mark.django_db
def test_other_jurisdiction_404_and_roles_without_manage_payments_403(world, client):
    as_(client, world)
    upload(client, (SAMPLES / "payments-sample.csv").read_bytes())
    mine = latest()
    client.force_login(world.other_clerk, backend="django.contrib.auth.backends.ModelBackend")
    for url in (f"/staff/money/files/{mine.pk}/", f"/staff/money/files/{mine.pk}/status.json"):
        assert client.get(url).status_code == 404
    assert client.post(f"/staff/money/files/{mine.pk}/confirm/").status_code == 404
    for role in ("team_lead", "section_chief", "auditor", "committee_member", "sysadmin"):
        as_(client, world, role)
        assert client.get(URL).status_code == 403
        assert client.post(f"/staff/money/files/{mine.pk}/confirm/").status_code == 403


@pytest.mark.django_db
def test_a_stuck_validation_is_swept(world, client, clock):
    from datetime import timedelta

    as_(client, world)
    client.post(URL, {"file": SimpleUploadedFile("a.csv", (SAMPLES / "payments-sample.csv").read_bytes()),
                      "layout": "csv", "source": "bank"})
    up = latest()
    PaymentUpload.objects.filter(pk=up.pk).update(status=PaymentUpload.Status.VALIDATING, claimed_at=clock.now())
    clock.advance(timedelta(hours=2))
    assert payment_uploads.sweep_stuck(clock=clock) == 1
    up.refresh_from_db()
    assert up.status == PaymentUpload.Status.FAILED and not payment_uploads.stored_path(up).exists()
    assert AuditLog.objects.filter(action="payment.upload.swept").exists()
