"""체납 자료 가져오기 (roll upload) in the staff console: upload a CSV/XLSX, read the importer's validation report,
confirm, watch the import. Every view needs `import_roll` and reads uploads through the user's jurisdiction, which is
the import's jurisdiction. The steps are in jingsu.staff.roll_uploads; they run as Celery tasks (jingsu.staff.tasks),
or, without a broker, in the dispatch cycle — never in the request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from jingsu.core.exports import xlsx_append
from jingsu.core.formats import file_size
from jingsu.staff import roll_uploads, tasks, upload_views
from jingsu.staff.access import StaffRequest, scoped_or_404, staff_view
from jingsu.staff.models import RollUpload


def _mb(size: int) -> str:
    """300MB, 12.5MB (jingsu.core.formats.file_size)."""
    return file_size(size)


def limits() -> dict[str, str]:
    """The limits the upload page states, in the units people use (300MB, 1,048,576행)."""
    from jingsu.rolls.reader import XLS_MAX_ROWS, XLSX_MAX_ROWS, xls_max_mb

    return {"size": _mb(roll_uploads.max_bytes()), "xls_size": _mb(xls_max_mb() << 20),
            "xlsx_rows": f"{XLSX_MAX_ROWS - 1:,}행", "xls_rows": f"{XLS_MAX_ROWS - 1:,}행"}


class RollUploadForm(forms.Form):
    file = forms.FileField(
        label="체납 자료 파일",
        help_text="CSV(UTF-8 또는 CP949), XLSX 또는 XLS(엑셀 97–2003). 형식은 체납 자료 파일 형식 안내(운영 문서)를 "
                  "따르며, 아래의 서식 파일에 열 제목과 예시가 있습니다.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.xls", "class": "krds-input"}),
        error_messages={"required": "올릴 파일을 고르세요.", "empty": "파일이 비어 있습니다.",
                        "invalid": "파일을 받지 못했습니다. 다시 올려 주세요."},
    )

    def clean_file(self) -> Any:
        return upload_views.checked_file(
            self.cleaned_data["file"], extensions=roll_uploads.EXTENSIONS, limit=roll_uploads.max_bytes(),
            wrong_extension="CSV(.csv), XLSX(.xlsx) 또는 XLS(.xls) 파일만 올릴 수 있습니다.",
            too_big=lambda limit, size: (f"파일이 너무 큽니다: {_mb(limit)}까지 올릴 수 있습니다 (올린 파일 {_mb(size)}). "
                                         "파일을 나누어 올리거나 시스템 관리자에게 문의하세요."))


@staff_view("import_roll")
def upload(request: StaffRequest) -> HttpResponse:
    form = RollUploadForm(request.POST, request.FILES) if request.method == "POST" else RollUploadForm()
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        record = roll_uploads.store_upload(f.chunks(), original_name=f.name, jurisdiction=request.jurisdiction,
                                           user=request.user)
        upload_views.background(tasks.validate_roll_upload, record.pk)
        return redirect("staff:roll_detail", upload_id=record.pk)
    return render(request, "staff/roll/upload.html", {"form": form, **upload_views.recent(request, RollUpload),
                                                      "limit": _mb(roll_uploads.max_bytes()), "limits": limits()},
                  status=400 if request.method == "POST" else 200)


def _detail(request: StaffRequest, record: RollUpload, *, status: int = 200, reason: str = "") -> HttpResponse:
    return render(request, "staff/roll/detail.html", {
        **upload_views.report(request, record, can_confirm=roll_uploads.can_confirm(record),
                              payload=roll_uploads.status_payload(record)),
        "active": record.status in (RollUpload.Status.UPLOADED, RollUpload.Status.VALIDATING,
                                    RollUpload.Status.IMPORTING),
        "as_of_label": roll_uploads.as_of_label(record),
        "plan": record.plan or {},
        "owner_changes": roll_uploads.owner_changes(record),
        "reason": reason,
        "reason_min": roll_uploads.REASON_MIN,
    }, status=status)


@staff_view("import_roll")
def detail(request: StaffRequest, upload_id: int) -> HttpResponse:
    return _detail(request, scoped_or_404(request, RollUpload, pk=upload_id))


@staff_view("import_roll")
def confirm(request: StaffRequest, upload_id: int) -> HttpResponse:
    """POST: start the import (all or nothing) in the background. GET shows the report with the button."""
    record = scoped_or_404(request, RollUpload, pk=upload_id)
    if request.method != "POST":
        return _detail(request, record)
    confirmed = request.POST.get("owner_change_confirmed") == "yes"
    reason = request.POST.get("owner_change_reason", "")[:1000]
    problem = roll_uploads.confirm_problem(record, owner_change_confirmed=confirmed, reason=reason)
    if problem and roll_uploads.can_confirm(record):
        messages.error(request, problem)
        return _detail(request, record, status=400, reason=reason)
    if roll_uploads.start_import(record, actor=request.user.get_username(), owner_change_confirmed=confirmed,
                                 reason=reason):
        upload_views.background(tasks.import_roll_upload, record.pk)
    else:
        upload_views.refused(request, record)
    return redirect("staff:roll_detail", upload_id=record.pk)


@staff_view("import_roll")
def status(request: StaffRequest, upload_id: int) -> HttpResponse:
    """The progress page's JSON (same permission and jurisdiction as the page; GET only, after the 404 check)."""
    return upload_views.status_json(request, RollUpload, upload_id, roll_uploads.status_payload)


#: The example row of the template (docs/formats/roll.md "예"), by header.
TEMPLATE_EXAMPLE = {
    "자치단체코드": "11260", "과세번호": "11260-14-2024-0000001", "납세자구분": "개인", "성명": "김민준",
    "등록번호": "850101-1234566", "주소": "서울특별시 중랑구 면목로 100", "우편번호": "02100",
    "휴대전화": "010-1234-5678", "전자송달신청": "N", "수신거부": "N", "세목코드": "14", "과세연도": "2024",
    "기분": "정기2기", "과세대상": "면목동 123-4 주택", "본세": 120000, "지방교육세": 24000, "도시지역분": 16800,
    "납세의무성립일": "2024-06-01", "납기": "2024-09-30", "납부기한": "2024-09-30", "신고구분": "부과", "상태": "정상",
}


def template_workbook(code: str) -> bytes:
    """An XLSX with the Korean headers of docs/formats/roll.md (every column, in order) and one example row, the
    자치단체코드 being the user's. Text columns are text cells, so a spreadsheet keeps 010… and 0-led numbers."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from jingsu.rolls.validation import HEADERS

    wb = Workbook()
    ws = wb.active
    ws.title = "체납 자료"
    headers = [c.header for c in HEADERS]
    xlsx_append(ws, headers)
    example = {**TEMPLATE_EXAMPLE, "자치단체코드": code,
               "과세번호": TEMPLATE_EXAMPLE["과세번호"].replace("11260", code, 1)}
    xlsx_append(ws, [example.get(h, "") for h in headers])
    for i, column in enumerate(HEADERS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(10, len(column.header) * 2 + 2, len(str(example.get(column.header,
                                                                                                     ""))) + 2)
        value = ws.cell(row=2, column=i)
        value.number_format = "#,##0" if isinstance(value.value, int) else "@"
    ws.freeze_panes = "A2"
    guide = wb.create_sheet("안내")
    xlsx_append(guide, ["열 제목", "필수"])
    for column in HEADERS:
        xlsx_append(guide, [column.header, "예" if column.required else "아니오"])
    xlsx_append(guide, [])
    xlsx_append(guide, ["첫 시트의 첫 행이 열 제목입니다. 둘째 행은 예시이므로 지우고 자료를 적으세요. 필수 열(빨간 제목)은 "
                        "비울 수 없습니다. 날짜는 2024-09-30처럼, 금액은 원 단위 숫자로 적습니다."])
    guide.column_dimensions["A"].width = 18
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@staff_view("import_roll")
def template(request: StaffRequest) -> HttpResponse:
    """GET: the roll template (XLSX): the Korean headers and one example row."""
    from urllib.parse import quote

    code = request.jurisdiction.code
    response = HttpResponse(template_workbook(code),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"체납자료-서식-{code}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"roll-template-{code}.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response
