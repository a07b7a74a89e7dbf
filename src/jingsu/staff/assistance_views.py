"""Staff screens for what citizens ask from the notice page (issue #14 "The citizen" item 4), under /staff/money/,
permission `manage_payments` (담당자):

- 분할 납부: the queue of requests, the running plans with every missed installment flagged, and one plan — with the
  schedule an approval would create today — to approve, reject (with a reason, shown to the citizen) or cancel;
- 상담 요청: the call-back queue (names masked), and one request — the number to call, shown in full and audited as a
  view of personal data — to mark done with what came of it.

Views hold no rules: every decision is `jingsu.assistance.services`' (one transaction, an audit row), whose
`AssistanceError` is shown as the message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from jingsu.assistance import services as assistance
from jingsu.assistance.models import CallbackRequest, InstallmentPlan, rule_for
from jingsu.core import audit
from jingsu.core.http import client_ip
from jingsu.delivery.paper import mask_name
from jingsu.law.errors import NoRuleForDate
from jingsu.staff.access import CONSOLE_CLOCK as _clock
from jingsu.staff.access import StaffRequest, act, scoped_or_404, staff_view
from jingsu.staff.access import actor as _actor
from jingsu.staff.access import console_today as _today
from jingsu.staff.access import jurisdiction_of as _j

LIST_LIMIT = 200
RECENT = 30


def _masked(rows: list[Any]) -> list[Any]:
    for r in rows:  # names masked in lists; the taxpayer page (audited) shows them
        r.taxpayer_masked = mask_name(r.taxpayer.name)
    return rows


# --- 분할 납부 ---------------------------------------------------------------------------------------------------------


@staff_view("manage_payments")
def installments(request: StaffRequest) -> HttpResponse:
    j = _j(request)
    today = _today()
    plans = InstallmentPlan.objects.filter(jurisdiction=j).select_related("taxpayer", "notice__campaign")
    requested = _masked(list(plans.filter(status=InstallmentPlan.Status.REQUESTED).order_by("requested_at", "pk")
                             [:LIST_LIMIT]))
    running = _masked(list(plans.filter(status=InstallmentPlan.Status.APPROVED).prefetch_related("installments")
                           .order_by("decided_at", "pk")[:LIST_LIMIT]))
    for plan in running:
        rows = list(plan.installments.all())
        plan.paid_count = sum(1 for i in rows if i.paid)  # type: ignore[attr-defined]
        plan.next_due = next((i for i in rows if not i.paid), None)  # type: ignore[attr-defined]
        plan.missed = [i for i in rows if i.missed(today)]  # type: ignore[attr-defined]
    missed = list(assistance.missed_installments(j, today)[:LIST_LIMIT])
    for i in missed:
        i.taxpayer_masked = mask_name(i.plan.taxpayer.name)  # type: ignore[attr-defined]
    done = _masked(list(plans.exclude(status__in=InstallmentPlan.OPEN_STATUSES).order_by("-decided_at", "-pk")
                        [:RECENT]))
    return render(request, "staff/assistance/installments.html", {
        "requested": requested, "running": running, "missed": missed, "done": done, "today": today,
        "rule": rule_for(j),
    })


@staff_view("manage_payments")
@require_http_methods(["GET", "POST"])
def installment_detail(request: StaffRequest, plan_id: int) -> HttpResponse:
    plan = scoped_or_404(request, InstallmentPlan, pk=plan_id)
    if request.method == "POST":
        action, reason = request.POST.get("action", ""), request.POST.get("reason", "")
        to = reverse("staff:money_installment", kwargs={"plan_id": plan.pk})
        refused = assistance.AssistanceError
        if action == "approve":
            return act(request, lambda: assistance.approve_plan(plan, actor=_actor(request), clock=_clock),
                       refused=refused, to=to, done="분할 납부를 승인했습니다. 다음 발송 주기에 은행에 회차별 고지를 "
                                                    "등록하고 납세자에게 문자로 알립니다.")
        if action == "reject":
            return act(request, lambda: assistance.reject_plan(plan, actor=_actor(request), reason=reason, clock=_clock),
                       refused=refused, to=to, done="분할 납부 요청을 반려했습니다. 사유는 납세자의 안내문 화면에 보입니다.")
        if action == "cancel":
            return act(request, lambda: assistance.cancel_plan(plan, actor=_actor(request), reason=reason, clock=_clock),
                       refused=refused, to=to, done="분할 납부를 취소했습니다. 부과 건은 정상 상태로 돌아갑니다.")
        messages.error(request, "처리할 일을 고르십시오.")
        return redirect(to)
    today = _today()
    plan = (InstallmentPlan.objects.select_related("taxpayer", "notice__campaign", "notice__jurisdiction")
            .prefetch_related("installments").get(pk=plan.pk))
    proposal, proposal_error = [], ""
    if plan.status == InstallmentPlan.Status.REQUESTED:
        try:
            proposal = assistance.proposal(plan.notice, plan.count, today)
        except NoRuleForDate:
            proposal_error = "휴일 달력이 회차의 납부기한을 다루지 않아 일정을 만들 수 없습니다."
    rows = [{"i": i, "missed": i.missed(today)} for i in plan.installments.all()]
    return render(request, "staff/assistance/installment.html", {
        "plan": plan, "taxpayer_masked": mask_name(plan.taxpayer.name), "owed_today":
            assistance.owed_now(plan.notice, today), "proposal": proposal, "proposal_error": proposal_error,
        "installments": rows, "today": today, "rule": rule_for(plan.jurisdiction),
    })


# --- 상담 요청 --------------------------------------------------------------------------------------------------------


@staff_view("manage_payments")
def callbacks(request: StaffRequest) -> HttpResponse:
    j = _j(request)
    rows = CallbackRequest.objects.filter(jurisdiction=j).select_related("taxpayer", "notice__campaign")
    open_rows = _masked(list(rows.filter(status=CallbackRequest.Status.OPEN).order_by("requested_at", "pk")
                             [:LIST_LIMIT]))
    done = _masked(list(rows.filter(status=CallbackRequest.Status.DONE).order_by("-done_at", "-pk")[:RECENT]))
    return render(request, "staff/assistance/callbacks.html", {"open": open_rows, "done": done})


@staff_view("manage_payments")
@require_http_methods(["GET", "POST"])
def callback_detail(request: StaffRequest, callback_id: int) -> HttpResponse:
    req = scoped_or_404(request, CallbackRequest, pk=callback_id)
    if request.method == "POST":
        try:
            assistance.close_callback(req, actor=_actor(request), outcome=request.POST.get("outcome", ""),
                                      clock=_clock)
        except assistance.AssistanceError as e:
            messages.error(request, str(e))
            return redirect("staff:money_callback", callback_id=req.pk)
        messages.success(request, "상담 요청을 완료로 표시했습니다.")
        return redirect("staff:money_callbacks")
    req = CallbackRequest.objects.select_related("taxpayer", "notice__campaign").get(pk=req.pk)
    shown = req.status == CallbackRequest.Status.OPEN
    if shown:  # the name and the number to call: a view of personal data, audited
        audit.record("staff.callback_view", actor=_actor(request), jurisdiction=req.jurisdiction_id, target=req,
                     clock=_clock, detail={"ip": client_ip(request)})
    return render(request, "staff/assistance/callback.html", {
        "req": req, "shown": shown, "taxpayer_masked": mask_name(req.taxpayer.name),
    })


urlpatterns = [
    path("money/installments/", installments, name="money_installments"),
    path("money/installments/<int:plan_id>/", installment_detail, name="money_installment"),
    path("money/callbacks/", callbacks, name="money_callbacks"),
    path("money/callbacks/<int:callback_id>/", callback_detail, name="money_callback"),
]
