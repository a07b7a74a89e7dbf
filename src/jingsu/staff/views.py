"""Staff console views. Each one declares its permission (jingsu.staff.access) and reads only the user's
jurisdiction. Views validate input and call services/queries; they hold no business rules."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jingsu.clock import SEOUL
from jingsu.core import audit, auditbuffer
from jingsu.core.formats import kdate
from jingsu.core.http import client_ip
from jingsu.core.models import AuditLog
from jingsu.levies.models import Levy
from jingsu.notices.models import Campaign
from jingsu.staff import audit_labels, queries
from jingsu.staff.access import (
    CONSOLE_CLOCK,
    StaffRequest,
    console_today,
    public_view,
    scoped_or_404,
    staff_view,
)
from jingsu.staff.forms import LoginForm, RevealForm, SearchForm
from jingsu.staff.models import StaffProfile
from jingsu.staff.services import unseen_notices
from jingsu.taxpayers import services as taxpayer_services
from jingsu.taxpayers.models import Taxpayer

# --- login and logout ----------------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


login = public_view(LoginView.as_view())


@public_view
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth import logout as auth_logout

    auth_logout(request)
    messages.info(request, "로그아웃했습니다.")
    return redirect("staff:login")


# --- home ----------------------------------------------------------------------------------------------------------


@staff_view("use_console")
def home(request: StaffRequest) -> HttpResponse:
    user = request.user
    j = request.jurisdiction
    context: dict = {"search_form": SearchForm()}
    # what was done to this account by someone else (a password reset), shown once here and on the account page
    context["account_notices"] = unseen_notices(user, clock=CONSOLE_CLOCK)
    if user.has_perm("staff.view_taxpayer") or user.has_perm("staff.view_reports"):
        arrears = Levy.objects.filter(jurisdiction=j).open().with_owed().aggregate(
            count=Count("id"), amount=Sum("owed_amount"))
        context["arrears"] = arrears
        context["taxpayer_count"] = Taxpayer.objects.filter(jurisdiction=j).count()
    if user.has_perm("staff.prepare_campaign") or user.has_perm("staff.approve_campaign"):
        context["campaigns"] = list(Campaign.objects.filter(jurisdiction=j).order_by("-created_at", "-id")[:5])
        context["awaiting_approval"] = Campaign.objects.filter(jurisdiction=j, status=Campaign.Status.BUILT).count()
        if user.has_perm("staff.approve_campaign"):
            from jingsu.delivery.models import Resend

            context["resends_waiting"] = Resend.objects.filter(jurisdiction=j, status=Resend.Status.PENDING).count()
    if user.has_perm("staff.view_audit_log"):
        auditbuffer.flush()  # the buffered page views first (jingsu.core.auditbuffer)
        since = CONSOLE_CLOCK.now() - timedelta(days=1)
        recent = AuditLog.objects.filter(jurisdiction=j, at__gte=since)
        context["audit_day"] = {
            "total": recent.count(),
            "reveals": recent.filter(action="taxpayer.reveal_registration_number").count(),
            "failed_logins": recent.filter(action__in=["staff.login_failed", "staff.lockout"]).count(),
        }
    if user.has_perm("staff.manage_users"):
        context["staff_count"] = StaffProfile.objects.filter(jurisdiction=j).count()
    if user.has_perm("staff.vote_committee"):
        context["meetings_to_vote"] = _meetings_to_vote(j)
    return render(request, "staff/home.html", context)


def _meetings_to_vote(j: Any) -> list[Any]:
    """The jurisdiction's meetings not yet decided, earliest first, each with its agenda and the votes recorded
    (for the committee member's first screen)."""
    from jingsu.rewards.models import Meeting

    return list(Meeting.objects.filter(committee__jurisdiction=j, status=Meeting.Status.SCHEDULED)
                .select_related("committee")
                .annotate(case_count=Count("cases", distinct=True), vote_count=Count("votes", distinct=True))
                .order_by("held_on", "pk"))


# --- taxpayers -----------------------------------------------------------------------------------------------------


#: Searches a session keeps (the newest), so that Back and the result pages find their search again.
SEARCHES_KEPT = 10
SEARCHES = "taxpayer_searches"


@staff_view("view_taxpayer")
@require_http_methods(["GET", "POST"])
def taxpayer_search(request: StaffRequest) -> HttpResponse:
    """Post/Redirect/Get: the query is POSTed, so that it (a name, a registration number) never lands in a URL,
    history or access log; it is kept in the session under a random key (a full registration number as its keyed
    hash only) and the results are shown by GET `?s=<key>&page=N`, so Back and the pages return to them."""
    j = request.jurisdiction
    if request.method == "POST":
        form = SearchForm(request.POST)
        if form.is_valid():
            q, by = form.cleaned_data["q"], form.cleaned_data.get("by") or "auto"
            hashed = queries.registration_key(q, by)
            kept = dict(request.session.get(SEARCHES, {}))
            key = secrets.token_urlsafe(9)
            kept[key] = {"by": by, "hash": hashed} if hashed else {"by": by, "q": q}
            request.session[SEARCHES] = dict(list(kept.items())[-SEARCHES_KEPT:])
            return redirect(f"{reverse('staff:taxpayer_search')}?s={key}")
        return render(request, "staff/taxpayer_search.html", {"form": form, "result": None})
    key = request.GET.get("s", "")
    saved = request.session.get(SEARCHES, {}).get(key) if key else None
    if saved is None:
        if key:
            messages.info(request, "검색 결과를 더 보여 드릴 수 없습니다(시간이 지났거나 다른 브라우저). 다시 검색하세요.")
        return render(request, "staff/taxpayer_search.html", {"form": SearchForm(initial={"by": "auto"}),
                                                              "result": None})
    result = queries.search_taxpayers(j, saved.get("q", ""), saved["by"], page=request.GET.get("page"),
                                      registration_hash=saved.get("hash"))
    # Access log: who searched, how, and how many came back — not the query (it may be a name).
    audit.record("staff.taxpayer_search", actor=request.user.get_username(), jurisdiction=j,
                 detail={"by": result.by, "count": result.total, "page": result.page, "ip": client_ip(request)}, clock=CONSOLE_CLOCK)
    # a full registration number is not echoed into the form
    form = SearchForm(initial={"by": saved["by"], "q": saved.get("q", "")})
    return render(request, "staff/taxpayer_search.html",
                  {"form": form, "result": result, "key": key,
                   "by_label": queries.BY_LABELS.get(result.by, "")})


@staff_view("view_taxpayer")
def taxpayer_detail(request: StaffRequest, taxpayer_id: int) -> HttpResponse:
    taxpayer = scoped_or_404(request, Taxpayer, pk=taxpayer_id)
    audit.record("staff.taxpayer_view", actor=request.user.get_username(), jurisdiction=taxpayer.jurisdiction_id,
                 target=taxpayer, detail={"ip": client_ip(request)}, clock=CONSOLE_CLOCK)
    return render(request, "staff/taxpayer_detail.html", {"file": queries.taxpayer_file(taxpayer, console_today()), "t": taxpayer})


@staff_view("reveal_personal_data")
@require_http_methods(["GET", "POST"])
def taxpayer_reveal(request: StaffRequest, taxpayer_id: int) -> HttpResponse:
    """Show the registration number once, for a stated reason; the service writes the audit row first.

    The number is rendered into this POST's response only (no redirect, nothing in the session), with no-store.
    """
    taxpayer = scoped_or_404(request, Taxpayer, pk=taxpayer_id)
    form = RevealForm(request.POST or None)
    revealed = ""
    if request.method == "POST" and form.is_valid():
        try:
            digits = taxpayer_services.reveal_registration_number(
                taxpayer, actor=request.user.get_username(), reason=form.cleaned_data["reason"], clock=CONSOLE_CLOCK)
        except ValueError as e:  # destroyed at the end of its retention period
            form.add_error(None, str(e))
        else:
            revealed = queries.format_registration_number(digits)
    return render(request, "staff/taxpayer_reveal.html", {"t": taxpayer, "form": form, "revealed": revealed})


# --- audit log -----------------------------------------------------------------------------------------------------

AUDIT_PAGE = 50


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


@dataclass
class AuditQuery:
    """The audit log's filters read from the query string: the rows they select, the values to put back in the
    form, the conditions in words (for the XLSX and its audit row) and what was wrong with them."""

    rows: QuerySet[AuditLog]
    values: dict[str, str]
    filters: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def audit_query(request: StaffRequest) -> AuditQuery:
    """작업 (action, its code or a prefix), 사용자 (a username, or a person's name in this jurisdiction), 기간
    (`start`–`end`, days in Korean time, both included) and 기록 (`target_type`, `target_id`)."""
    j = request.jurisdiction
    auditbuffer.flush()  # the buffered page views first, so the screen and its XLSX show every one in order
    rows = AuditLog.objects.filter(jurisdiction=j)
    values = {k: request.GET.get(k, "").strip() for k in ("action", "actor", "start", "end", "target_type",
                                                          "target_id")}
    q = AuditQuery(rows, values)
    if values["action"]:
        q.rows = q.rows.filter(action__startswith=values["action"])
        q.filters.append(("작업", audit_labels.action_label(values["action"])))
    if values["actor"]:
        named = {p.user.get_username() for p in StaffProfile.objects.filter(jurisdiction=j)
                 .filter(Q(display_name=values["actor"]) | Q(user__first_name=values["actor"])).select_related("user")}
        q.rows = q.rows.filter(actor__in={values["actor"], *named})
        q.filters.append(("사용자", values["actor"]))
    start, end = _day(values["start"]), _day(values["end"])
    if values["start"] and start is None or values["end"] and end is None:
        q.errors.append("기간은 날짜로 입력하세요(예: 2026-12-05).")
    elif start and end and end < start:
        q.errors.append("기간의 끝이 시작보다 앞섭니다.")
    else:
        if start:
            q.rows = q.rows.filter(at__gte=datetime.combine(start, time(0), tzinfo=SEOUL))
        if end:
            q.rows = q.rows.filter(at__lt=datetime.combine(end + timedelta(days=1), time(0), tzinfo=SEOUL))
        if start or end:
            q.filters.append(("기간", f"{kdate(start) if start else '처음'} ~ {kdate(end) if end else '지금'}"))
    if values["target_type"]:
        q.rows = q.rows.filter(target_type=values["target_type"])
        if values["target_id"]:
            q.rows = q.rows.filter(target_id=values["target_id"])
        q.filters.append(("기록", audit_labels.target_label(values["target_type"], values["target_id"])))
    elif values["target_id"]:
        q.rows = q.rows.filter(target_id=values["target_id"])
        q.filters.append(("기록 번호", values["target_id"]))
    if q.errors:
        q.rows = q.rows.none()
    q.rows = q.rows.order_by("-at", "-id")
    return q


def audit_shown(rows: Any) -> list[dict[str, Any]]:
    """Rows as people read them (audit_labels): the codes stay in the database and in the filter's values."""
    rows = list(rows)
    names = audit_labels.staff_names({row.actor for row in rows})
    return [{"at": row.at, "actor": audit_labels.actor_label(row.actor, names),
             "action": audit_labels.action_label(row.action),
             "target": audit_labels.target_label(row.target_type, row.target_id), "reason": row.reason,
             "detail": audit_labels.detail_items(row.action, row.detail)} for row in rows]


@staff_view("view_audit_log")
def audit_log(request: StaffRequest) -> HttpResponse:
    j = request.jurisdiction
    q = audit_query(request)
    page = Paginator(q.rows, AUDIT_PAGE).get_page(request.GET.get("page"))
    here = AuditLog.objects.filter(jurisdiction=j).order_by()
    actions = here.values_list("action", flat=True).distinct()
    options = sorted(((a, audit_labels.action_label(a)) for a in set(actions)), key=lambda o: (o[1], o[0]))
    types = sorted(((t, audit_labels.TARGET_LABELS.get(t, "기록")) for t in
                    set(here.exclude(target_type="").values_list("target_type", flat=True).distinct())),
                   key=lambda o: (o[1], o[0]))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "staff/audit_log.html", {
        "page": page, "rows": audit_shown(page), "action": q.values["action"], "actor": q.values["actor"],
        "actions": options, "types": types, "values": q.values, "errors": q.errors, "query": query.urlencode(),
    })
