"""체납처분 사건 screens (issue #16 item 3), under /staff/enforcement/:

- the list of cases by measure and stage (100 a page, names masked), with the counts per measure and stage;
- one case: the taxpayer (masked; the taxpayer page, audited, shows the name), the levies it covers, the stage
  history with reasons and approvals, what the law says today (and the "해제 가능" flag with its article), the move
  form (`manage_enforcement`, 담당자), the pending request's approve/reject (`approve_enforcement`, 팀장 — never the
  one who asked), and the facts the office recorded;
- the notice of the case's step (사전 통지·예고, `services.prepare_notices`): prepared from the case page or, for
  many cases of one kind at once, from the list (`manage_enforcement`; approval and sending stay on the campaign
  screens), and shown on the case page with its 유통증명 (`notices.services.evidence`);
- opening a case from a taxpayer (`manage_enforcement`), with the law's answer for every measure today;
- the approval queue (`approve_enforcement`).

Views hold no rules: every decision is `jingsu.enforcement.services`' (one transaction, an audit row), whose
`CaseError` is shown as the message.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from jingsu.delivery.paper import mask_name
from jingsu.enforcement import services
from jingsu.enforcement.models import FINAL, RESTRICTING, EnforcementCase, MoveRequest, stage_label
from jingsu.law import enforcement as law
from jingsu.law import params
from jingsu.law.errors import LawError
from jingsu.levies.models import Levy
from jingsu.notices import services as notices
from jingsu.notices.models import Campaign, Notice
from jingsu.rewards.models import Official
from jingsu.staff.access import CONSOLE_CLOCK as _clock
from jingsu.staff.access import StaffRequest, scoped_or_404, staff_view
from jingsu.staff.access import actor as _actor
from jingsu.staff.access import console_today as _today
from jingsu.staff.access import jurisdiction_of as _j
from jingsu.staff.paging import page_of
from jingsu.taxpayers.models import Taxpayer

M, CS = EnforcementCase.Measure, EnforcementCase.Status
MEASURE_NAMES = dict(M.choices)


def _day(raw: str, default: date) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _reasons(rows: Any) -> list[dict[str, str]]:
    return [{"article": r.article, "message": r.message} if isinstance(r, law.Reason) else
            {"article": r.get("article", ""), "message": r.get("message", "")} for r in rows]


def _preparable(case: EnforcementCase) -> bool:
    """May the case's step notice be prepared now (the services decide; this only chooses what to offer)?"""
    step = services.NOTICE_STEP.get(case.measure)
    if step is None or case.status in FINAL or not case.machine.allows(case.status, step[1]):
        return False
    n = case.notice
    return n is None or n.status == Notice.Status.CANCELLED or n.campaign.status == Campaign.Status.CANCELLED


def _prepare(request: StaffRequest, rows: list[EnforcementCase]) -> services.Prepared:
    _need(request, "manage_enforcement")
    raw = request.POST.get("measure_on", "").strip()
    measure_on = None
    if raw:
        try:
            measure_on = date.fromisoformat(raw)
        except ValueError:
            raise services.CaseError("measure_on", "조치 예정일을 2026-12-05 모양으로 적어 주십시오.") from None
    elif any(c.measure != M.DISCLOSURE for c in rows):
        raise services.CaseError("measure_on", "조치 예정일을 적어 주십시오.")
    done = services.prepare_notices(rows, measure_on=measure_on, actor=_actor(request), clock=_clock,
                                    name=request.POST.get("name", ""))
    c = done.campaign
    text = (f"캠페인 {c.pk}번({c.get_kind_display()})을 만들고 대상을 확정했습니다: 안내문 {len(done.linked)}건. "
            "캠페인 화면에서 다른 직원의 승인을 받아 발송하십시오.")
    if done.skipped:
        text += " 체납액이 없어 안내문을 만들지 않은 사건: " + ", ".join(f"{x.pk}번" for x in done.skipped) + "."
    messages.success(request, text)
    return done


# --- the list -------------------------------------------------------------------------------------------------------


@staff_view("view_taxpayer")
@require_http_methods(["GET", "POST"])
def cases(request: StaffRequest) -> HttpResponse:
    j = _j(request)
    if request.method == "POST":  # 사전 통지·예고 for the cases ticked (one kind of measure)
        try:
            ids = [int(x) for x in request.POST.getlist("cases") if x.isdigit()]
            chosen = list(EnforcementCase.objects.filter(jurisdiction=j, pk__in=ids))
            if not chosen:
                raise services.CaseError("cases", "안내문을 준비할 사건을 고르십시오.")
            done = _prepare(request, chosen)
        except services.CaseError as e:
            messages.error(request, e.message)
        else:
            if request.user.has_perm("staff.view_reports"):
                return redirect("staff:campaign_detail", campaign_id=done.campaign.pk)
        return redirect(request.get_full_path())
    measure, stage = request.GET.get("measure", ""), request.GET.get("stage", "")
    scope = request.GET.get("scope", "open")
    rows = EnforcementCase.objects.filter(jurisdiction=j).select_related("taxpayer", "notice__campaign")
    counts_q = rows.exclude(status__in=FINAL).values("measure", "status").annotate(n=Count("pk"))
    if measure in M.values:
        rows = rows.filter(measure=measure)
    if stage in CS.values:
        rows = rows.filter(status=stage)
    elif scope == "open":
        rows = rows.exclude(status__in=FINAL)
    if request.GET.get("ready") == "1":
        rows = rows.filter(release_ready=True)
    rows = rows.annotate(pending=Count("requests", filter=Q(requests__decision=MoveRequest.Decision.PENDING)),
                         levy_count=Count("levies", distinct=True)).order_by("-stage_on", "-pk")
    page, query = page_of(request, rows)
    can_prepare = request.user.has_perm("staff.manage_enforcement")
    for c in page.object_list:
        c.taxpayer_masked = mask_name(c.taxpayer.name)
        c.preparable = can_prepare and _preparable(c)
    counts: dict[str, list[dict[str, Any]]] = {}
    for row in counts_q:
        counts.setdefault(row["measure"], []).append(
            {"stage": row["status"], "name": stage_label(row["measure"], row["status"]), "n": row["n"]})
    summary = [{"measure": m, "name": MEASURE_NAMES[m], "stages": sorted(counts[m], key=lambda r: CS.values.index(r["stage"]))}
               for m in M.values if m in counts]
    return render(request, "staff/enforcement/cases.html", {
        "page": page, "query": query, "summary": summary, "measures": M.choices, "stages": CS.choices,
        "measure": measure, "stage": stage, "scope": scope, "ready": request.GET.get("ready") == "1",
        "pending_count": MoveRequest.objects.filter(jurisdiction=j, decision=MoveRequest.Decision.PENDING).count(),
        "any_preparable": any(c.preparable for c in page.object_list), "today": _today(),
    })


# --- one case -------------------------------------------------------------------------------------------------------


def _need(request: StaffRequest, permission: str) -> None:
    if not request.user.has_perm(f"staff.{permission}"):
        raise PermissionDenied


def _post(request: StaffRequest, case: EnforcementCase) -> None:
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    if action == "move":
        _need(request, "manage_enforcement")
        on = _day(request.POST.get("on", ""), _today())
        if on is None:
            raise services.CaseError("on", "일자를 2026-12-05 모양으로 적어 주십시오.")
        official = None
        if request.POST.get("official"):
            official = Official.objects.filter(jurisdiction=_j(request), pk=request.POST["official"]).first()
        result = services.move(case, request.POST.get("to", ""), reason=reason, actor=_actor(request),
                               clock=_clock, on=on, official=official)
        if isinstance(result, MoveRequest):
            messages.success(request, f"{result.stage_name} 단계로 넘기는 요청을 올렸습니다. 다른 직원이 승인하면 "
                                      "효력이 생깁니다.")
        else:
            messages.success(request, f"{result.stage_name} 단계로 넘겼습니다.")
    elif action in ("approve", "reject"):
        _need(request, "approve_enforcement")
        req = case.requests.filter(pk=request.POST.get("request") or 0).first()
        if req is None:
            raise services.CaseError(None, "요청을 찾을 수 없습니다.")
        if action == "approve":
            done = services.approve(req, actor=_actor(request), clock=_clock)
            messages.success(request, f"승인했습니다. 사건이 {done.stage_name} 단계가 되었습니다.")
        else:
            services.reject(req, actor=_actor(request), reason=reason, clock=_clock)
            messages.success(request, "요청을 반려했습니다.")
    elif action == "notices":
        _prepare(request, [case])
    elif action == "facts":
        _need(request, "manage_enforcement")
        services.record_facts(case, _facts_from(request), reason=reason, actor=_actor(request), clock=_clock)
        messages.success(request, "기록한 사실을 고쳤습니다.")
    else:
        messages.error(request, "처리할 일을 고르십시오.")


@staff_view("view_taxpayer")
@require_http_methods(["GET", "POST"])
def case_detail(request: StaffRequest, case_id: int) -> HttpResponse:
    case = scoped_or_404(request, EnforcementCase, pk=case_id)
    if request.method == "POST":
        try:
            _post(request, case)
        except services.CaseError as e:
            messages.error(request, e.message)
        nxt = request.POST.get("next", "")
        if nxt == "queue":
            return redirect("staff:enforcement_queue")
        return redirect("staff:enforcement_case", case_id=case.pk)
    case = EnforcementCase.objects.select_related("taxpayer", "notice__campaign").get(pk=case.pk)
    today = _today()
    levies = list(case.levies.order_by("due_date", "tax_number"))
    for lv in levies:
        lv.owed_today = lv.owed(today).total  # type: ignore[attr-defined]
    evaluation: dict[str, Any] | None = None
    evaluation_error = ""
    try:
        facts = services.case_facts(case.taxpayer, today, case.recorded)
        o = law.evaluate(facts, today, measures=[case.measure]).measures[case.measure]
        evaluation = {"qualifies": o.qualifies, "reasons": _reasons(o.reasons), "next_step": o.next_step,
                      "next_change": o.next_change}
    except (services.CaseError, LawError) as e:
        evaluation_error = getattr(e, "message", str(e))
    events = []
    for ev in case.events.all():
        data = ev.evaluation_data
        events.append({"e": ev, "from": stage_label(case.measure, ev.from_status),
                       "to": stage_label(case.measure, ev.to_status), "qualifies": data.get("qualifies")})
    pending = case.requests.filter(decision=MoveRequest.Decision.PENDING).select_related("official").first()
    done_requests = case.requests.exclude(decision=MoveRequest.Decision.PENDING).order_by("-decided_at")
    next_stages = [{"code": code, "name": name, "approval": code in RESTRICTING} for code, name in case.next_stages()]
    recorded = [{"name": services.FACT_LABELS.get(k, k), "value": _fact_value(v)} for k, v in sorted(case.recorded.items())]
    return render(request, "staff/enforcement/case.html", {
        "case": case, "taxpayer_masked": mask_name(case.taxpayer.name), "levies": levies,
        "total": sum(lv.owed_today for lv in levies),  # type: ignore[attr-defined]
        "evaluation": evaluation, "evaluation_error": evaluation_error, "events": events, "pending": pending,
        "done_requests": [{"r": r, "name": stage_label(case.measure, r.to_status)} for r in done_requests],
        "next_stages": next_stages, "today": today, "recorded": recorded,
        "officials": Official.objects.filter(jurisdiction=case.jurisdiction_id, active=True).order_by("name"),
        "check_reasons": _reasons(case.check_reasons), "is_open": case.status not in FINAL,
        "own_request": pending is not None and pending.requested_by == _actor(request),
        "exit_conditions": _exit_conditions(case.jurisdiction_id, today),
        "recorded_conditions": set(case.recorded.get("exit_conditions") or []),
        **_notice_context(case),
    })


def _notice_context(case: EnforcementCase) -> dict[str, Any]:
    """The notice of the case's step and its 유통증명, and what the prepare form needs."""
    step = services.NOTICE_STEP.get(case.measure)
    out: dict[str, Any] = {"step": None, "notice": case.notice, "evidence": [], "preparable": _preparable(case)}
    if step is not None:
        out["step"] = {"kind": Campaign.Kind(step[0]).label, "stage": stage_label(case.measure, step[1]),
                       "disclosure": case.measure == M.DISCLOSURE}
    if case.notice is not None:
        out["evidence"] = notices.evidence(case.notice)
        out["notice_sent"] = case.notice.status in services.SENT
    return out


def _fact_value(v: Any) -> str:
    from jingsu.core.formats import kdate

    if isinstance(v, bool):
        return "예" if v else "아니요"
    if isinstance(v, int):
        return f"{v:,}원"
    if isinstance(v, str):
        try:
            return kdate(date.fromisoformat(v))
        except ValueError:
            return v
    if isinstance(v, dict):
        return ", ".join(f"{k} {_fact_value(x)}" for k, x in v.items())
    if isinstance(v, list):
        return f"{len(v)}건"
    return str(v)


# --- opening a case ---------------------------------------------------------------------------------------------


def _exit_conditions(jurisdiction: str, on: date) -> list[tuple[str, str]]:
    """The 시행령 제15조① cases in force on `on`, (code, text), in the order of the 호."""
    p = params.find(jurisdiction, "enforcement.exit_ban.conditions", on)
    table = {str(k): str(v) for k, v in p.value.items()} if p is not None and isinstance(p.value, dict) else {}
    return sorted(table.items(), key=lambda kv: kv[1])


def _facts_from(request: StaffRequest) -> dict[str, Any]:
    """The office's findings the forms carry (Facts field names)."""
    out: dict[str, Any] = {}
    for key in ("licensed_business", "exit_unsecured", "plate_livelihood"):
        if key in request.POST or request.POST.get("action") == "facts":
            out[key] = request.POST.get(key) == "on"
    conditions = request.POST.getlist("exit_conditions")
    if conditions or request.POST.get("action") == "facts":
        out["exit_conditions"] = conditions
    raw = request.POST.get("demand_due_date", "").strip()
    if raw:
        try:
            due = date.fromisoformat(raw)
        except ValueError:
            raise services.CaseError("demand_due_date", "독촉장 납부기한을 2026-12-05 모양으로 적어 주십시오.") from None
        numbers = request.POST.getlist("demand_levies")
        out["demand_due_dates"] = {n: due.isoformat() for n in numbers}
    return out


@staff_view("manage_enforcement")
@require_http_methods(["GET", "POST"])
def case_open(request: StaffRequest, taxpayer_id: int) -> HttpResponse:
    taxpayer = scoped_or_404(request, Taxpayer, pk=taxpayer_id)
    today = _today()
    if request.method == "POST":
        try:
            on = _day(request.POST.get("on", ""), today)
            if on is None:
                raise services.CaseError("on", "일자를 2026-12-05 모양으로 적어 주십시오.")
            case = services.open_case(taxpayer, request.POST.get("measure", ""), on=on,
                                      reason=request.POST.get("reason", ""), actor=_actor(request), clock=_clock,
                                      recorded=_facts_from(request))
        except services.CaseError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, f"{case.get_measure_display()} 사건을 열었습니다.")
            return redirect("staff:enforcement_case", case_id=case.pk)
    rows: list[dict[str, Any]] = []
    error = ""
    try:
        facts = services.case_facts(taxpayer, today, {})
        ev = law.evaluate(facts, today)
        for m in M.values:
            o = ev.measures[m]
            rows.append({"code": m, "name": MEASURE_NAMES[m], "qualifies": o.qualifies, "reasons": _reasons(o.reasons),
                         "next_step": o.next_step})
    except (services.CaseError, LawError) as e:
        error = getattr(e, "message", str(e))
    open_cases = list(EnforcementCase.objects.filter(taxpayer=taxpayer).exclude(status__in=FINAL))
    levies = list(Levy.objects.filter(taxpayer=taxpayer, due_date__lt=today).exclude(
        status__in=(Levy.Status.PAID, Levy.Status.CANCELLED)).order_by("due_date", "tax_number"))
    return render(request, "staff/enforcement/case_open.html", {
        "t": taxpayer, "taxpayer_masked": mask_name(taxpayer.name), "rows": rows, "error": error, "today": today,
        "open_cases": open_cases, "levies": levies, "measures": M.choices,
        "selected": request.POST.get("measure") or request.GET.get("measure", ""),
        "exit_conditions": _exit_conditions(taxpayer.jurisdiction_id, today),
    })


# --- the approval queue -----------------------------------------------------------------------------------------


@staff_view("approve_enforcement")
def queue(request: StaffRequest) -> HttpResponse:
    rows = (MoveRequest.objects.filter(jurisdiction=_j(request), decision=MoveRequest.Decision.PENDING)
            .select_related("case__taxpayer", "official").order_by("requested_at", "pk"))
    page, query = page_of(request, rows)
    for r in page.object_list:
        r.taxpayer_masked = mask_name(r.case.taxpayer.name)
        r.own = r.requested_by == _actor(request)
    return render(request, "staff/enforcement/queue.html", {"page": page, "query": query})


urlpatterns = [
    path("enforcement/cases/", cases, name="enforcement_cases"),
    path("enforcement/cases/<int:case_id>/", case_detail, name="enforcement_case"),
    path("enforcement/approvals/", queue, name="enforcement_queue"),
    path("enforcement/taxpayers/<int:taxpayer_id>/open/", case_open, name="enforcement_case_open"),
]
