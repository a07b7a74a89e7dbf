"""수납 파일 가져오기 (issue #14 item 1): upload a bank/수납 file (CSV or fixed width), read the validation report
(every bad line: line, field, reason), confirm, watch the import — the roll upload's screens and machinery
(jingsu.staff.roll_views, roll_uploads) over jingsu.payments.files. Every view needs `manage_payments` and reads
uploads through the user's jurisdiction, which is the file's. The steps are in jingsu.staff.payment_uploads."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from jingsu.core.formats import file_size
from jingsu.staff import payment_uploads, tasks, upload_views
from jingsu.staff.access import StaffRequest, scoped_or_404, staff_view
from jingsu.staff.forms import KrdsRadios
from jingsu.staff.models import PaymentUpload


class PaymentUploadForm(forms.Form):
    file = forms.FileField(
        label="수납 파일",
        help_text="은행·위택스·창구의 수납 파일(CP949): CSV 파일 또는 고정 길이(120바이트) 텍스트 파일.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.dat", "class": "krds-input"}),
        error_messages={"required": "올릴 파일을 고르세요.", "empty": "파일이 비어 있습니다.",
                        "invalid": "파일을 받지 못했습니다. 다시 올려 주세요."})
    layout = forms.ChoiceField(label="파일 형식", choices=PaymentUpload.Layout.choices, widget=KrdsRadios,
                               initial=PaymentUpload.Layout.CSV,
                               error_messages={"required": "파일 형식을 고르세요."})
    source = forms.ChoiceField(label="수납 경로", choices=PaymentUpload.Source.choices, widget=KrdsRadios,
                               initial=PaymentUpload.Source.BANK,
                               help_text="은행 수납 파일의 거래번호는 은행 거래내역(자동 수신)과 같은 번호입니다: 두 곳에 "
                                         "같은 거래가 있으면 한 번만 기록합니다.",
                               error_messages={"required": "수납 경로를 고르세요."})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "pay-%s")
        super().__init__(*args, **kwargs)

    def clean_file(self) -> Any:
        return upload_views.checked_file(
            self.cleaned_data["file"], extensions=payment_uploads.EXTENSIONS, limit=payment_uploads.max_bytes(),
            wrong_extension="CSV(.csv) 또는 고정 길이(.txt, .dat) 파일만 올릴 수 있습니다.",
            too_big=lambda limit, size: (f"파일이 너무 큽니다: {file_size(limit)}까지 올릴 수 있습니다 "
                                         f"(올린 파일 {file_size(size)}). 파일을 나누어 올리세요."))


@staff_view("manage_payments")
def upload(request: StaffRequest) -> HttpResponse:
    form = PaymentUploadForm(request.POST, request.FILES) if request.method == "POST" else PaymentUploadForm()
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        record = payment_uploads.store_upload(
            f.chunks(), original_name=f.name, layout=form.cleaned_data["layout"], source=form.cleaned_data["source"],
            jurisdiction=request.jurisdiction, user=request.user)
        upload_views.background(tasks.validate_payment_upload, record.pk)
        return redirect("staff:money_file_detail", payment_upload_id=record.pk)
    return render(request, "staff/money/file_upload.html", {
        "form": form, **upload_views.recent(request, PaymentUpload), "limit": file_size(payment_uploads.max_bytes()),
    }, status=400 if request.method == "POST" else 200)


def _detail(request: StaffRequest, record: PaymentUpload) -> HttpResponse:
    return render(request, "staff/money/file_detail.html", upload_views.report(
        request, record, can_confirm=payment_uploads.can_confirm(record),
        payload=payment_uploads.status_payload(record)))


@staff_view("manage_payments")
def detail(request: StaffRequest, payment_upload_id: int) -> HttpResponse:
    return _detail(request, scoped_or_404(request, PaymentUpload, pk=payment_upload_id))


@staff_view("manage_payments")
def confirm(request: StaffRequest, payment_upload_id: int) -> HttpResponse:
    """POST: start the import (all or nothing) in the background. GET shows the report with the button."""
    record = scoped_or_404(request, PaymentUpload, pk=payment_upload_id)
    if request.method != "POST":
        return _detail(request, record)
    if payment_uploads.start_import(record, actor=request.user.get_username()):
        upload_views.background(tasks.import_payment_upload, record.pk)
    else:
        upload_views.refused(request, record)
    return redirect("staff:money_file_detail", payment_upload_id=record.pk)


@staff_view("manage_payments")
def status(request: StaffRequest, payment_upload_id: int) -> HttpResponse:
    return upload_views.status_json(request, PaymentUpload, payment_upload_id, payment_uploads.status_payload)


urlpatterns = [
    path("money/files/", upload, name="money_file_upload"),
    path("money/files/<int:payment_upload_id>/", detail, name="money_file_detail"),
    path("money/files/<int:payment_upload_id>/confirm/", confirm, name="money_file_confirm"),
    path("money/files/<int:payment_upload_id>/status.json", status, name="money_file_status"),
]
