"""체납 자료 가져오기 in the console: upload → the importer's validation report → confirm → import (Django test client;
without a broker the steps wait for the dispatch cycle, which `work()` runs). The browser test is at the end."""

from __future__ import annotations

import json
import threading
import time

import pytest
from _staff_helpers import HOME, OTHER, SMALL, browser_login, orm, shot
from django.core.files.uploadedfile import SimpleUploadedFile

from jingsu.core.models import AuditLog
from jingsu.levies.models import Levy
from jingsu.staff import roll_uploads
from jingsu.staff.models import RollUpload

BACKEND = "django.contrib.auth.backends.ModelBackend"
HEADER, GOOD_ROW, *_ = SMALL.read_text(encoding="utf-8").splitlines()
URL = "/staff/rolls/"


@pytest.fixture(autouse=True)
def _steps(clock, tmp_path, settings):
    """The steps on the tests' clock, and the stored files in a temporary var dir."""
    settings.VAR_DIR = tmp_path / "var"
    yield


def new_rows(text: str, serial: str = "1") -> str:
    """roll_small.csv with new 과세번호 (…-1000001 …), so its levies are new in HOME."""
    return text.replace("-000000", f"-{serial}00000")


def good_csv(serial: str = "1") -> bytes:
    return new_rows(SMALL.read_text(encoding="utf-8"), serial).encode("utf-8")


def bad_csv() -> bytes:
    rows = [
        new_rows(GOOD_ROW),
        new_rows(GOOD_ROW).replace("-1000001", "-1000009").replace("850101-1234566", "850101-1234567"),  # row 3
        new_rows(GOOD_ROW).replace("-1000001", "-1000010").replace(",120000,", ",-5,"),  # row 4
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def login(client, world, role="clerk"):
    client.force_login(world.users[role], backend=BACKEND)


def work():
    """What the dispatch cycle does for roll uploads when there is no broker."""
    roll_uploads.run_pending()


def upload(client, content: bytes, name: str = "roll.csv"):
    response = client.post(URL, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})
    work()
    return response


def confirm(client, pk: int):
    response = client.post(f"/staff/rolls/{pk}/confirm/")
    work()
    return response


def latest() -> RollUpload:
    return RollUpload.objects.latest("id")


@pytest.mark.django_db
def test_a_roll_with_errors_shows_row_column_and_reason_and_writes_nothing(world, client):
    login(client, world)
    levies = Levy.objects.count()
    r = upload(client, bad_csv())
    up = latest()
    assert r.status_code == 302 and r["Location"] == f"/staff/rolls/{up.pk}/"
    assert up.status == RollUpload.Status.INVALID and up.jurisdiction_id == HOME
    assert up.rows == 1 and up.total_errors == 2  # rows: those without a problem (the importer's count)
    assert {(e["row"], e["column"]) for e in up.errors} == {(3, "등록번호"), (4, "본세")}
    page = client.get(r["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "검증 오류 2건" in text and "아무것도 기록하지 않았습니다" in text
    assert "<td class=\"num\">3</td><td>등록번호</td>" in text and "<td class=\"num\">4</td><td>본세</td>" in text
    assert "850101-1234567" not in text and "850101-1234566" not in text  # masked as the importer does
    assert "가져오기 확정" not in text and "roll-confirm-form" not in text
    assert Levy.objects.count() == levies
    assert not roll_uploads.stored_path(up).exists(), "a refused roll's file is removed"
    # confirming anyway changes nothing
    r = confirm(client, up.pk)
    assert r.status_code == 302
    assert latest().status == RollUpload.Status.INVALID and Levy.objects.count() == levies
    status = client.get(f"/staff/rolls/{up.pk}/status.json").json()
    assert status["status"] == "invalid" and status["total_errors"] == 2


@pytest.mark.django_db
def test_a_good_roll_is_confirmed_imported_and_reported(world, client):
    login(client, world)
    before = Levy.objects.filter(jurisdiction_id=HOME).count()
    r = upload(client, good_csv())
    up = latest()
    assert up.status == RollUpload.Status.VALIDATED and up.total_errors == 0
    assert (up.rows, up.taxpayers, up.encoding) == (5, 4, "UTF-8")
    stored = roll_uploads.stored_path(up)
    assert stored.exists() and stored.parent == roll_uploads.upload_dir()
    assert stored.name != "roll.csv" and len(stored.stem) == 32 and oct(stored.stat().st_mode & 0o777) == "0o600"
    text = client.get(r["Location"]).content.decode()
    assert "검증 결과: 오류 없음" in text and "가져오기 확정" in text
    assert Levy.objects.filter(jurisdiction_id=HOME).count() == before, "validation writes nothing"

    r = confirm(client, up.pk)
    assert r.status_code == 302 and r["Location"] == f"/staff/rolls/{up.pk}/"
    up.refresh_from_db()
    assert up.status == RollUpload.Status.DONE and up.rows_done == 5 and up.confirmed_by == f"clerk-{HOME}"
    assert up.summary["levies_created"] == 5 and up.summary["rows"] == 5 and "file" not in up.summary
    assert Levy.objects.filter(jurisdiction_id=HOME).count() == before + 5
    assert Levy.objects.filter(jurisdiction_id=HOME, tax_number="11260-14-2024-1000001").exists()
    assert not stored.exists(), "the file is removed once imported"

    status = client.get(f"/staff/rolls/{up.pk}/status.json")
    assert status.status_code == 200 and "no-store" in status["Cache-Control"]
    data = status.json()
    assert data["status"] == "done" and data["status_label"] == "완료" and data["finished"] is True
    assert data["summary"]["levies_created"] == 5
    assert data["summary"]["total_arrears"] == up.summary["total_tax"] + up.summary["total_penalty"]
    page = client.get(f"/staff/rolls/{up.pk}/").content.decode()
    assert "가져오기 완료" in page and f"{up.summary['total_arrears']:,}원" in page and "가져오기 확정" not in page
    assert 'data-field="as_of_label">2026. 11. 23.</span>' in page and data["as_of_label"] == "2026. 11. 23."

    # audit: the upload, the confirmation (this module) and the import itself (the importer), all as the clerk
    actions = set(AuditLog.objects.filter(actor=f"clerk-{HOME}").values_list("action", flat=True))
    assert {"roll.upload", "roll.upload.confirm", "roll.import"} <= actions
    row = AuditLog.objects.get(action="roll.upload")
    assert row.detail["file"] == "roll.csv" and row.target_id == str(up.pk) and row.jurisdiction_id == HOME

    # a second confirmation does not import again
    confirm(client, up.pk)
    assert AuditLog.objects.filter(action="roll.import", actor=f"clerk-{HOME}").count() == 1
    assert AuditLog.objects.filter(action="roll.upload.confirm").count() == 1


@pytest.mark.django_db
def test_the_same_file_again_changes_nothing(world, client):
    login(client, world)
    upload(client, SMALL.read_bytes())  # the world imported this file already
    up = latest()
    confirm(client, up.pk)
    up.refresh_from_db()
    assert up.status == RollUpload.Status.DONE
    assert (up.summary["levies_created"], up.summary["levies_updated"], up.summary["levies_unchanged"]) == (0, 0, 5)


@pytest.mark.django_db
def test_xlsx_and_cp949_rolls(world, client, tmp_path):
    from openpyxl import Workbook

    login(client, world)
    wb = Workbook()
    ws = wb.active
    for line in good_csv("2").decode().splitlines():
        ws.append(line.split(","))
    path = tmp_path / "roll.xlsx"
    wb.save(path)
    client.post(URL, {"file": SimpleUploadedFile("체납.xlsx", path.read_bytes())})
    work()
    up = latest()
    assert (up.status, up.rows, up.encoding) == (RollUpload.Status.VALIDATED, 5, "XLSX")
    assert roll_uploads.stored_path(up).suffix == ".xlsx"
    confirm(client, up.pk)
    assert latest().status == RollUpload.Status.DONE
    assert Levy.objects.filter(jurisdiction_id=HOME, tax_number="11260-14-2024-2000001").exists()

    upload(client, good_csv("3").decode().encode("cp949"), name="cp949.csv")
    assert (latest().status, latest().encoding) == (RollUpload.Status.VALIDATED, "CP949(EUC-KR)")


@pytest.mark.django_db
def test_an_xls_roll_as_offices_export_it(world, client, tmp_path):
    """Issue #14 item 3: Excel 97–2003 (.xls), amounts as number cells and dates as date cells."""
    import xlwt

    login(client, world)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("체납")
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    lines = [line.split(",") for line in good_csv("4").decode().splitlines()]
    for r, cells in enumerate(lines):
        for c, cell in enumerate(cells):
            name = lines[0][c]
            if r and cell and name in ("본세", "지방교육세", "도시지역분"):
                sheet.write(r, c, int(cell))
            elif r and cell and name in ("납기", "납부기한", "납세의무성립일"):
                from datetime import date

                sheet.write(r, c, date.fromisoformat(cell), dates)
            elif cell:
                sheet.write(r, c, cell)
    path = tmp_path / "체납.xls"
    book.save(str(path))
    client.post(URL, {"file": SimpleUploadedFile("체납.xls", path.read_bytes())})
    work()
    up = latest()
    assert (up.status, up.rows, up.encoding) == (RollUpload.Status.VALIDATED, 5, "XLS"), up.errors
    assert roll_uploads.stored_path(up).suffix == ".xls"
    confirm(client, up.pk)
    assert latest().status == RollUpload.Status.DONE
    levy = Levy.objects.get(jurisdiction_id=HOME, tax_number="11260-14-2024-4000001")
    assert levy.principal == 120000 and levy.due_date.isoformat() == "2024-09-30"


@pytest.mark.django_db
def test_the_template_has_the_korean_headers_and_an_example_row_that_validates(world, client):
    import io

    from openpyxl import load_workbook

    from jingsu.rolls.validation import HEADER_NAMES

    login(client, world)
    r = client.get("/staff/rolls/template.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(HEADER_NAMES) and len(rows) == 2
    example = dict(zip(rows[0], rows[1], strict=True))
    assert example["자치단체코드"] == HOME and example["성명"] == "김민준" and example["본세"] == 120000
    # the example row, uploaded as it is, passes the importer's validation
    client.post(URL, {"file": SimpleUploadedFile("서식.xlsx", r.content)})
    work()
    up = latest()
    assert up.status == RollUpload.Status.VALIDATED and up.rows == 1, up.errors
    assert client.get("/staff/rolls/template.xlsx").status_code == 200
    login(client, world, "team_lead")
    assert client.get("/staff/rolls/template.xlsx").status_code == 403


@pytest.mark.django_db
def test_the_upload_page_states_its_limits_in_korean_units(world, client, settings):
    login(client, world)
    body = client.get(URL).content.decode()
    assert "최대 300MB (XLS는 50MB)" in body
    assert "XLSX는 자료 1,048,575행, XLS는 자료 65,535행까지" in body
    assert "서식 파일 내려받기" in body and 'href="/staff/rolls/template.xlsx"' in body
    settings.JINGSU_ROLL_UPLOAD_MAX_MB = 1
    r = upload(client, b"x" * ((3 << 20) // 2), name="big.csv")
    assert r.status_code == 400 and "1MB까지 올릴 수 있습니다 (올린 파일 1.5MB)" in r.content.decode()


@pytest.mark.django_db
def test_another_jurisdictions_roll_is_refused_by_the_importer(world, client):
    login(client, world)
    levies = Levy.objects.count()
    upload(client, good_csv().decode().replace(f"{HOME},", f"{OTHER},").encode())
    up = latest()
    assert up.status == RollUpload.Status.INVALID and up.total_errors == 5
    assert {e["column"] for e in up.errors} == {"자치단체코드"}
    assert f"다른 자치단체({OTHER})의 자료입니다" in up.errors[0]["message"]
    text = client.get(f"/staff/rolls/{up.pk}/").content.decode()
    assert f"다른 자치단체({OTHER})의 자료입니다" in text and "가져오기 확정" not in text
    assert Levy.objects.count() == levies


@pytest.mark.django_db
def test_another_jurisdiction_cannot_see_or_confirm_an_upload(world, client):
    login(client, world)
    upload(client, good_csv())
    up = latest()
    client.force_login(world.other_clerk, backend=BACKEND)
    for url in (f"/staff/rolls/{up.pk}/", f"/staff/rolls/{up.pk}/status.json"):
        assert client.get(url).status_code == 404
    assert confirm(client, up.pk).status_code == 404
    assert latest().status == RollUpload.Status.VALIDATED
    assert up.original_name not in client.get(URL).content.decode()  # not in the other clerk's list


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["team_lead", "section_chief", "committee_member", "auditor", "sysadmin"])
def test_roles_without_import_roll_get_403(world, client, role):
    login(client, world, role)
    assert client.get(URL).status_code == 403
    assert upload(client, good_csv()).status_code == 403
    assert not RollUpload.objects.exists()
    assert 'href="/staff/rolls/"' not in client.get("/staff/").content.decode()  # no menu item either


@pytest.mark.django_db
def test_file_checks_in_korean(world, client, settings):
    login(client, world)
    r = upload(client, b"hello", name="roll.pdf")
    assert r.status_code == 400 and "CSV(.csv), XLSX(.xlsx) 또는 XLS(.xls) 파일만" in r.content.decode()
    settings.JINGSU_ROLL_UPLOAD_MAX_MB = 0
    r = upload(client, good_csv())
    assert r.status_code == 400 and "파일이 너무 큽니다" in r.content.decode()
    settings.JINGSU_ROLL_UPLOAD_MAX_MB = 300
    r = client.post(URL, {})
    assert r.status_code == 400 and "올릴 파일을 고르세요" in r.content.decode()
    assert not RollUpload.objects.exists()
    # a file the importer cannot read as a roll: a file-level error, shown as such
    upload(client, "이름,주소\n홍길동,서울\n".encode(), name="wrong.csv")
    up = latest()
    assert up.status == RollUpload.Status.INVALID and up.errors[0]["row"] == 0
    assert "열 제목이 형식과 맞지 않습니다" in client.get(f"/staff/rolls/{up.pk}/").content.decode()
    upload(client, (HEADER + "\n").encode(), name="empty.csv")
    assert "데이터 행이 없습니다" in latest().errors[0]["message"]


@pytest.mark.django_db
def test_the_report_is_paginated(world, client):
    login(client, world)
    bad = [new_rows(GOOD_ROW).replace("-1000001", f"-{900000 + i}").replace(",120000,", ",-5,") for i in range(450)]
    upload(client, ("\n".join([HEADER, *bad]) + "\n").encode())
    up = latest()
    assert up.total_errors == 450
    first = client.get(f"/staff/rolls/{up.pk}/").content.decode()
    assert "검증 오류 450건" in first and "1 / 3쪽" in first and first.count("<td>본세</td>") == 200
    third = client.get(f"/staff/rolls/{up.pk}/?page=3").content.decode()
    assert third.count("<td>본세</td>") == 50


@pytest.mark.django_db
def test_import_progress_is_counted_per_batch(world, client):
    login(client, world)
    upload(client, good_csv())
    up = latest()
    seen = []
    assert roll_uploads.start_import(up, actor="tester")
    real = roll_uploads._ProgressWriter.__call__

    def spy(self, done):
        seen.append(done)
        real(self, done)

    roll_uploads._ProgressWriter.__call__ = spy
    try:
        assert roll_uploads.run_import(up.pk, batch_size=2) == RollUpload.Status.DONE
    finally:
        roll_uploads._ProgressWriter.__call__ = real
    assert seen == [2, 4, 5]
    assert latest().rows_done == 5


@pytest.mark.django_db
def test_a_failed_import_is_kept_and_can_be_confirmed_again(world, client, monkeypatch):
    login(client, world)
    upload(client, good_csv())
    up = latest()

    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(roll_uploads.importer, "import_roll", boom)
    confirm(client, up.pk)
    up.refresh_from_db()
    assert up.status == RollUpload.Status.FAILED and "다시 확정할 수 있습니다" in up.failure
    assert roll_uploads.stored_path(up).exists()
    monkeypatch.undo()
    confirm(client, up.pk)
    assert latest().status == RollUpload.Status.DONE


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_style(world, client):
    login(client, world)
    upload(client, bad_csv())
    for url in (URL, f"/staff/rolls/{latest().pk}/"):
        text = client.get(url).content.decode()
        assert "<script>" not in text and " style=" not in text and "<style" not in text
        assert "roll-progress.js" in text or url == URL


def test_the_status_json_shape():
    up = RollUpload(pk=1, status=RollUpload.Status.IMPORTING, rows=10, rows_done=5)
    data = roll_uploads.status_payload(up)
    assert json.loads(json.dumps(data))["status_label"] == "가져오는 중"


# --- browser: upload a roll with an error, then a good one (issue #8 item 8) -------------------------------------------


@pytest.fixture
def roll_worker():
    """The dispatch cycle's roll step in a thread of its own, as `jingsu serve`'s dispatcher runs it."""
    from django.db import connection

    stop = threading.Event()

    def loop():
        try:
            while not stop.is_set():
                work()
                # time.sleep, not stop.wait(0.2): a timed Event.wait never returns under libfaketime with a
                # shifted date (the suite is also run under `faketime` a year ahead and back)
                time.sleep(0.2)
        finally:
            connection.close()

    thread = threading.Thread(target=loop, name="roll-worker", daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=30)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_browser_upload_a_roll_with_an_error_then_a_good_one(page, browser_world, clock, tmp_path, roll_worker):
    bad = tmp_path / "체납-오류.csv"
    bad.write_bytes(bad_csv())
    good = tmp_path / "체납-정상.csv"
    good.write_bytes(good_csv())

    browser_login(page, f"clerk-{HOME}")
    page.click("nav >> text=체납 자료")
    page.wait_for_selector("#roll-upload-form")

    page.set_input_files("#id_file", str(bad))
    page.click("button:has-text('올리고 검증하기')")
    page.wait_for_selector("#roll-error-table")
    text = page.inner_text("main")
    assert "검증 오류 2건" in text and "등록번호" in text and "본세" in text
    assert page.locator("#roll-confirm-form").count() == 0
    shot(page, "14-roll-errors")

    page.click("text=← 체납 자료 가져오기")
    page.set_input_files("#id_file", str(good))
    page.click("button:has-text('올리고 검증하기')")
    page.wait_for_selector("#roll-validated")
    assert "오류 없음" in page.inner_text("#roll-validated")
    page.click("button:has-text('가져오기 확정')")
    page.wait_for_selector("#roll-result:not([hidden])")
    assert page.inner_text("#roll-status") == "완료"
    assert page.inner_text("#roll-levies-created") == "5"
    shot(page, "15-roll-done")

    assert orm(lambda: Levy.objects.filter(jurisdiction_id=HOME, tax_number__endswith="-1000001").count()) == 1
    data = page.request.get(page.url + "status.json").json()
    assert data["status"] == "done"

    # A large import in a worker: the page follows the status JSON without reloading (here the database is moved
    # by hand, and marked as claimed by a worker so that the roll worker leaves it alone).
    S = RollUpload.Status
    running = orm(lambda: RollUpload.objects.create(
        jurisdiction_id=HOME, actor=f"clerk-{HOME}", original_name="큰-체납자료.csv", stored_name="running.csv",
        status=S.IMPORTING, rows=12000, rows_done=5000, taxpayers=9000, created_at=clock.now(), claimed_at=clock.now(),
        validated_at=clock.now(), started_at=clock.now(), confirmed_by=f"clerk-{HOME}"))
    page.goto(f"/staff/rolls/{running.pk}/")
    assert page.inner_text("#roll-status") == "가져오는 중" and page.locator("#roll-result").is_hidden()
    page.evaluate("window.notReloaded = true")
    orm(lambda: RollUpload.objects.filter(pk=running.pk).update(rows_done=10000))
    from playwright.sync_api import expect  # wait_for_function would eval a string, which the CSP forbids

    expect(page.locator("#roll-live [data-field=rows_done]")).to_have_text("10,000")
    assert page.evaluate("document.getElementById('roll-progress').value") == 10000
    summary = {"rows": 12000, "taxpayers": 9000, "taxpayers_created": 9000, "taxpayers_updated": 0,
               "levies_created": 12000, "levies_updated": 0, "levies_unchanged": 0, "total_tax": 1_000_000,
               "total_penalty": 30_000, "total_arrears": 1_030_000, "as_of": "2026-11-23"}
    orm(lambda: RollUpload.objects.filter(pk=running.pk).update(status=S.DONE, rows_done=12000, summary=summary))
    page.wait_for_selector("#roll-result:not([hidden])")
    assert page.inner_text("#roll-status") == "완료"
    assert page.inner_text("#roll-levies-created") == "12,000"
    assert page.inner_text("#roll-total-arrears") == "1,030,000원"
    assert page.evaluate("window.notReloaded") is True
    assert page.console_errors == []


def _owner_changed_csv() -> bytes:
    """good_csv() with row 2 (김민준's 재산세 …-1000001) given to 이서연, another taxpayer of the roll."""
    return good_csv().decode("utf-8").replace("김민준,850101-1234566", "이서연,920315-2345674", 1).encode("utf-8")


@pytest.mark.django_db
def test_the_preview_and_the_owner_change_confirmation(world, client):
    """issue 12 §2 on the upload screen: validation shows what the import would do; a 과세번호 whose taxpayer
    changes is imported only after an explicit confirmation with a reason, which is audited."""
    login(client, world)
    upload(client, good_csv())
    confirm(client, latest().pk)
    assert latest().status == RollUpload.Status.DONE
    number = "11260-14-2024-1000001"
    owner = Levy.objects.get(jurisdiction_id=HOME, tax_number=number).taxpayer_id

    r = upload(client, _owner_changed_csv())
    up = latest()
    assert up.status == RollUpload.Status.VALIDATED and up.total_errors == 0
    assert (up.plan["levies_created"], up.plan["levies_updated"], up.plan["levies_unchanged"]) == (0, 1, 4)
    assert up.plan["levy_fields"] == {"납세자": 1} and up.plan["owner_changes_total"] == 1
    page = client.get(r["Location"]).content.decode()
    assert "가져오면 바뀌는 내용 (미리 보기)" in page and "납세자가 바뀌는 부과 건 1건 (확인 필요)" in page
    assert "김*준(850101-1******)" in page and "이*연(920315-2******)" in page and "850101-1234566" not in page
    assert 'name="owner_change_reason"' in page

    # confirming without ticking the box, or without a reason, imports nothing
    r = client.post(f"/staff/rolls/{up.pk}/confirm/")
    assert r.status_code == 400 and "정정으로 확인해야" in r.content.decode()
    r = client.post(f"/staff/rolls/{up.pk}/confirm/", {"owner_change_confirmed": "yes", "owner_change_reason": " "})
    assert r.status_code == 400 and "사유를 5자 이상" in r.content.decode()
    up.refresh_from_db()
    assert up.status == RollUpload.Status.VALIDATED
    assert Levy.objects.get(jurisdiction_id=HOME, tax_number=number).taxpayer_id == owner

    r = client.post(f"/staff/rolls/{up.pk}/confirm/",
                    {"owner_change_confirmed": "yes", "owner_change_reason": "등록번호 오기 정정 (민원 118)"})
    assert r.status_code == 302
    work()
    up.refresh_from_db()
    assert up.status == RollUpload.Status.DONE and up.summary["owner_changes_total"] == 1
    assert Levy.objects.get(jurisdiction_id=HOME, tax_number=number).taxpayer.name == "이서연"
    log = AuditLog.objects.get(action="levy.owner_change")
    assert (log.target_id, log.reason, log.actor) == (number, "등록번호 오기 정정 (민원 118)", f"clerk-{HOME}")
    assert AuditLog.objects.get(action="roll.upload.confirm", target_id=str(up.pk)).reason == log.reason


@pytest.mark.django_db
def test_the_preview_refuses_an_amount_below_what_was_paid(world, client, clock):
    from jingsu.payments.services import record_payment

    login(client, world)
    upload(client, good_csv())
    confirm(client, latest().pk)
    number = "11260-14-2024-1000001"
    record_payment(source="test-bank", external_id="t1", received_at=clock.now(), amount=100_000, channel="bank",
                   payment_number="", virtual_account="", tax_number=number, jurisdiction=HOME, clock=clock)
    lowered = good_csv().decode("utf-8").replace(",120000,24000,16800,", ",60000,12000,8400,", 1).encode("utf-8")
    upload(client, lowered)
    up = latest()
    assert up.status == RollUpload.Status.INVALID
    assert [(e["row"], e["column"]) for e in up.errors] == [(2, "본세")]
    assert "100,000원이 수납" in up.errors[0]["message"]
