"""체납 자료 가져오기 (roll upload) in the staff console: upload a CSV/XLSX, read the importer's validation report,
confirm, watch the import. Every view needs `import_roll` and reads uploads through the user's jurisdiction, which is
the import's jurisdiction. The steps are in jingsu.staff.roll_uploads; they run as Celery tasks (jingsu.staff.tasks),
or, without a broker, in the dispatch cycle — never in the request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render

from jingsu.staff import roll_uploads, tasks
from jingsu.staff.access import scoped_or_404, staff_view
from jingsu.staff.models import RollUpload

ERRORS_PER_PAGE = 200
RECENT = 20


def _background(task: Any, upload_id: int) -> None:
    """Hand a step to a worker; never run it in this request (a big or hostile file would hold the web worker until
    its timeout killed it, leaving the upload `validating`). With a broker: a Celery task, sent after the commit.
    Without one: the step waits in the database and the dispatch cycle takes it up (`roll_uploads.run_pending`)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from jingsu.celery_app import app  # noqa: F401 — the configured app (broker) becomes the current one

    transaction.on_commit(lambda: task.delay(upload_id))


def _mb(size: int) -> str:
    return f"{size / (1 << 20):,.1f}MB"


class RollUploadForm(forms.Form):
    file = forms.FileField(
        label="체납 자료 파일",
        help_text="CSV(UTF-8 또는 CP949) 또는 XLSX. 형식은 체납 자료 파일 형식 안내(운영 문서)를 따릅니다.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx", "class": "krds-input"}),
        error_messages={"required": "올릴 파일을 고르세요.", "empty": "파일이 비어 있습니다.",
                        "invalid": "파일을 받지 못했습니다. 다시 올려 주세요."},
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        name = f.name or ""
        if not name.lower().endswith(roll_uploads.EXTENSIONS):
            raise forms.ValidationError("CSV(.csv) 또는 XLSX(.xlsx) 파일만 올릴 수 있습니다.")
        limit = roll_uploads.max_bytes()
        if f.size > limit:
            raise forms.ValidationError(
                f"파일이 너무 큽니다: {_mb(limit)}까지 올릴 수 있습니다 (올린 파일 {_mb(f.size)}). "
                "파일을 나누어 올리거나 시스템 관리자에게 문의하세요.")
        if f.size == 0:
            raise forms.ValidationError("파일이 비어 있습니다.")
        return f


@staff_view("import_roll")
def upload(request: HttpRequest) -> HttpResponse:
    form = RollUploadForm(request.POST, request.FILES) if request.method == "POST" else RollUploadForm()
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        record = roll_uploads.store_upload(f.chunks(), original_name=f.name, jurisdiction=request.jurisdiction,  # type: ignore[attr-defined]
                                           user=request.user)
        _background(tasks.validate_roll_upload, record.pk)
        return redirect("staff:roll_detail", upload_id=record.pk)
    recent = RollUpload.objects.filter(jurisdiction=request.jurisdiction)[:RECENT]  # type: ignore[attr-defined]
    return render(request, "staff/roll/upload.html", {"form": form, "recent": recent,
                                                      "limit": _mb(roll_uploads.max_bytes())},
                  status=400 if request.method == "POST" else 200)


def _detail(request: HttpRequest, record: RollUpload, *, status: int = 200, reason: str = "") -> HttpResponse:
    pages = Paginator(record.errors or [], ERRORS_PER_PAGE)
    page = pages.get_page(request.GET.get("page"))
    return render(request, "staff/roll/detail.html", {
        "upload": record,
        "S": RollUpload.Status,
        "page": page,
        "kept_errors": len(record.errors or []),
        "more_errors": max(0, record.total_errors - len(record.errors or [])),
        "can_confirm": roll_uploads.can_confirm(record),
        "active": record.status in (RollUpload.Status.UPLOADED, RollUpload.Status.VALIDATING,
                                    RollUpload.Status.IMPORTING),
        "progress_written": roll_uploads.status_payload(record)["progress_written"],
        "as_of_label": roll_uploads.as_of_label(record),
        "plan": record.plan or {},
        "owner_changes": roll_uploads.owner_changes(record),
        "reason": reason,
        "reason_min": roll_uploads.REASON_MIN,
    }, status=status)


@staff_view("import_roll")
def detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    return _detail(request, scoped_or_404(request, RollUpload, pk=upload_id))


@staff_view("import_roll")
def confirm(request: HttpRequest, upload_id: int) -> HttpResponse:
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
        _background(tasks.import_roll_upload, record.pk)
    else:
        record.refresh_from_db()
        if record.status != RollUpload.Status.IMPORTING:
            messages.error(request, "가져올 수 없는 상태입니다: 오류 없이 검증된 파일만 가져올 수 있습니다.")
    return redirect("staff:roll_detail", upload_id=record.pk)


@staff_view("import_roll")
def status(request: HttpRequest, upload_id: int) -> HttpResponse:
    """The progress page's JSON (same permission and jurisdiction as the page; GET only, after the 404 check)."""
    record = scoped_or_404(request, RollUpload, pk=upload_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return JsonResponse(roll_uploads.status_payload(record), json_dumps_params={"ensure_ascii": False})
