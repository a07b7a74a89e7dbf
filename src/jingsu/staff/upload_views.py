"""What the screens of a console upload share (roll_views: 체납 자료, payment_upload_views: 수납 파일): handing a step
to a worker, the list of recent uploads, the report's page of errors, the refusal of a confirmation and the progress
JSON. The lifecycle itself is jingsu.staff.uploads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse

from jingsu.staff.access import StaffRequest, scoped_or_404
from jingsu.staff.models import UploadBase
from jingsu.staff.paging import page_of

ERRORS_PER_PAGE = 200
RECENT = 20


def background(task: Any, upload_id: int) -> None:
    """Hand a step to a worker; never run it in this request (a big or hostile file would hold the web worker until
    its timeout killed it, leaving the upload `validating`). With a broker: a Celery task, sent after the commit.
    Without one: the step waits in the database and the dispatch cycle takes it up (`run_pending`)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    # the configured Celery app (its broker) is the current one: jingsu.wsgi loads it before any view runs
    transaction.on_commit(lambda: task.delay(upload_id))


def checked_file(f: Any, *, extensions: tuple[str, ...], limit: int, wrong_extension: str,
                 too_big: Callable[[int, int], str]) -> Any:
    """An upload form's file, refused (in Korean) for another extension, a size over `limit` (`too_big(limit,
    size)` says so) or no bytes."""
    if not (f.name or "").lower().endswith(extensions):
        raise forms.ValidationError(wrong_extension)
    if f.size > limit:
        raise forms.ValidationError(too_big(limit, f.size))
    if f.size == 0:
        raise forms.ValidationError("파일이 비어 있습니다.")
    return f


def recent(request: StaffRequest, model: type[UploadBase]) -> dict[str, Any]:
    """The upload page's list of the jurisdiction's uploads, newest first (`recent`, `page`, `query`)."""
    page, query = page_of(request, model.objects.filter(jurisdiction=request.jurisdiction)
                          .order_by("-created_at", "-pk"), RECENT)
    return {"recent": page, "page": page, "query": query}


def report(request: StaffRequest, record: UploadBase, *, can_confirm: bool,
           payload: dict[str, Any]) -> dict[str, Any]:
    """The detail page's report: the upload, a page of its kept errors and how many more there were."""
    page = Paginator(record.errors or [], ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return {
        "upload": record, "S": UploadBase.Status, "page": page,
        "kept_errors": len(record.errors or []),
        "more_errors": max(0, record.total_errors - len(record.errors or [])),
        "can_confirm": can_confirm,
        "progress_written": payload["progress_written"],
    }


def refused(request: StaffRequest, record: UploadBase) -> None:
    """A confirmation that did not start the import: unless another click already did, say why."""
    record.refresh_from_db()
    if record.status != UploadBase.Status.IMPORTING:
        messages.error(request, "가져올 수 없는 상태입니다: 오류 없이 검증된 파일만 가져올 수 있습니다.")


def status_json(request: StaffRequest, model: type[UploadBase], pk: int,
                payload: Callable[[Any], dict[str, Any]]) -> HttpResponse:
    """The progress page's JSON (same permission and jurisdiction as the page; GET only, after the 404 check)."""
    record = scoped_or_404(request, model, pk=pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return JsonResponse(payload(record), json_dumps_params={"ensure_ascii": False})
