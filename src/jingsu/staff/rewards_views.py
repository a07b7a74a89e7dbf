"""Staff screens of the collection rewards (세입징수 포상금, issue #7 item 7), under /staff/rewards/.

Screens (GET) need `view_rewards` (담당자, 팀장, 과장, 공적심사위원, 감사: read-only for all but the two below).
Every change is a POST to its own URL with the permission of who does it: `manage_rewards` (담당자: records, cases,
agenda, claims, budget, transfer, clawback) or `vote_committee` (공적심사위원: attendance, votes, the decision).
A GET of an action URL shows the screen its form lives on; a refused POST shows that screen again with the
service's `RewardError` as an error on the field it names. The services in `jingsu.rewards.services` do the work
(one transaction and an audit row each); these views hold no rule. Downloads are audited here when the service
does not audit them (ledgers, decision, claim, transfer file).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jingsu.core import audit
from jingsu.core.formats import kdate
from jingsu.core.http import client_ip
from jingsu.korean import josa
from jingsu.levies.models import Levy
from jingsu.rewards import documents
from jingsu.rewards import services as rewards
from jingsu.rewards.composition import composition_problems
from jingsu.rewards.models import (
    Civilian,
    Claim,
    Clawback,
    Committee,
    CommitteeMember,
    Decision,
    EnforcementAction,
    Meeting,
    Official,
    RewardBudget,
    RewardCase,
    RewardError,
    TransferBatch,
)
from jingsu.staff.access import (
    CONSOLE_CLOCK as _clock,  # the runtime's clock (core.runtime); tests install their own
)
from jingsu.staff.access import StaffRequest, scoped_or_404, staff_view
from jingsu.staff.access import actor as _actor
from jingsu.staff.access import console_today as _today
from jingsu.staff.access import jurisdiction_of as _j
from jingsu.staff.paging import page_of


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    try:
        year = int(raw)
    except ValueError:
        return _today().year
    return year if 2000 <= year <= 2100 else _today().year


def _download(request: StaffRequest, body: bytes, filename: str, content_type: str, *, action: str,
              target: Any = None, detail: dict[str, Any] | None = None, reason: str = "") -> HttpResponse:
    audit.record(action, actor=_actor(request), jurisdiction=_j(request), target=target, clock=_clock,
                 reason=reason, detail={**(detail or {}), "ip": client_ip(request)})
    response = HttpResponse(body, content_type=content_type)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- forms -----------------------------------------------------------------------------------------------------------

#: Korean names of the fields the services name in a RewardError, for errors that belong to no field of the form.
FIELD_LABELS = {
    "kind": "처분 종류", "official": "직원", "civilian": "민간인", "deferred_until": "유예 후 납부기한", "levy": "과세번호",
    "case": "안건", "member": "위원", "meeting": "회의", "attendance": "출석", "committee": "위원회 구성",
    "payee": "지급 대상자", "account": "입금 계좌", "claim": "지급신청", "as_of": "기준일", "year": "연도",
    "batch": "이체 묶음", "amount": "금액", "jurisdiction": "지자체",
}


def _apply_error(form: forms.Form, error: RewardError, aliases: dict[str, str] | None = None) -> None:
    name = (aliases or {}).get(error.field or "", error.field or "")
    if name in form.fields:
        form.add_error(name, error.message)
    else:
        label = FIELD_LABELS.get(error.field or "", "")
        form.add_error(None, f"{label}: {error.message}" if label else error.message)


class _Form(forms.Form):
    """KRDS classes on every widget; ids prefixed per form (several forms share a page)."""

    id_prefix = "f"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "krds-form-select")
            elif not isinstance(widget, forms.HiddenInput | forms.CheckboxInput):
                widget.attrs.setdefault("class", "krds-input")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _person_choices(request: StaffRequest, *, civilians: bool = False) -> list[tuple[str, str]]:
    j = _j(request)
    choices = [("", "— 선택 —")]
    choices += [(f"official:{o.pk}", str(o)) for o in Official.objects.filter(jurisdiction=j, active=True)
                .order_by("department", "name")]
    if civilians:
        choices += [(f"civilian:{c.pk}", f"민간인 {c.name}") for c in Civilian.objects.filter(jurisdiction=j)
                    .order_by("name")]
    return choices


def _person(request: StaffRequest, key: str) -> Official | Civilian | None:
    if not key:
        return None
    kind, _, pk = key.partition(":")
    model = {"official": Official, "civilian": Civilian}.get(kind)
    if model is None or not pk.isdigit():
        return None
    return model.objects.filter(jurisdiction=_j(request), pk=pk).first()


class ActionForm(_Form):
    id_prefix = "action"

    tax_number = forms.CharField(label="과세번호", max_length=40, help_text="지자체코드-세목-연도-일련번호 (예: 11260-14-2024-0000001)")
    kind = forms.ChoiceField(label="처분 종류", choices=EnforcementAction.Kind.choices)
    person = forms.ChoiceField(label="처분한 직원(은닉재산 신고는 신고한 민간인)")
    taken_on = forms.DateField(label="처분일", widget=DateInput())
    deferred_until = forms.DateField(label="유예 후 납부기한(징수유예만)", required=False, widget=DateInput())
    notes = forms.CharField(label="비고", max_length=200, required=False)

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = _person_choices(request, civilians=True)
        self.fields["taken_on"].initial = _today()


class OpenCasesForm(_Form):
    id_prefix = "cases"

    year = forms.IntegerField(label="징수연도", min_value=2000, max_value=2100)
    tax_number = forms.CharField(label="과세번호(징수자를 직접 지정할 때만)", max_length=40, required=False)
    collector = forms.ChoiceField(label="징수자(처분 기록이 없는 건)", required=False)

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collector"].choices = _person_choices(request, civilians=True)


class MeetingForm(_Form):
    id_prefix = "meeting"

    committee = forms.ModelChoiceField(label="위원회", queryset=Committee.objects.none(), empty_label="— 선택 —")
    held_on = forms.DateField(label="회의일", widget=DateInput())

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = Committee.objects.filter(jurisdiction=_j(request)).order_by("pk")
        self.fields["held_on"].initial = _today()


class AgendaForm(_Form):
    id_prefix = "agenda"

    case = forms.ModelChoiceField(label="상정할 안건(심사 대기)", queryset=RewardCase.objects.none(),
                                  empty_label="— 선택 —")

    def __init__(self, meeting: Meeting, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = RewardCase.objects.filter(
            jurisdiction_id=meeting.committee.jurisdiction_id, status=RewardCase.Status.OPEN).order_by("pk")
        self.fields["case"].label_from_instance = lambda c: f"{c.number} {c.title}"


class AttendanceForm(_Form):
    id_prefix = "attendance"

    member = forms.ModelChoiceField(label="출석한 위원", queryset=CommitteeMember.objects.none(),
                                    empty_label="— 선택 —")

    def __init__(self, meeting: Meeting, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        present = meeting.attendance.values_list("member_id", flat=True)
        self.fields["member"].queryset = meeting.committee.members.exclude(pk__in=present).order_by("pk")
        self.fields["member"].label_from_instance = lambda m: f"{m.get_role_display()} {m.name} ({m.position})"


class ClaimForm(_Form):
    id_prefix = "claim"

    decision = forms.ModelChoiceField(label="심사결정", queryset=Decision.objects.none(), empty_label="— 선택 —")
    payee = forms.CharField(label="지급 대상자", max_length=30)
    submitted_on = forms.DateField(label="신청일", widget=DateInput())

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = Decision.objects.filter(jurisdiction=_j(request)).order_by("-decided_on")
        self.fields["submitted_on"].initial = _today()


class ScheduleForm(_Form):
    id_prefix = "schedule"

    as_of = forms.DateField(label="지급 기준일", widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["as_of"].initial = _today()


class BudgetForm(_Form):
    id_prefix = "budget"

    year = forms.IntegerField(label="회계연도", min_value=2000, max_value=2100)
    amount = forms.IntegerField(label="포상금 예산액(원)", min_value=0, max_value=10**13)


class BatchForm(_Form):
    id_prefix = "batch"

    year = forms.IntegerField(label="회계연도", min_value=2000, max_value=2100)
    created_on = forms.DateField(label="작성일", widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["created_on"].initial = _today()


class PaidForm(_Form):
    id_prefix = "paid"

    paid_on = forms.DateField(label="지급일(이체일)", widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = _today()


class ClawbackForm(_Form):
    id_prefix = "clawback"

    claim = forms.ModelChoiceField(label="지급 완료된 신청", queryset=Claim.objects.none(), empty_label="— 선택 —")
    notified_on = forms.DateField(label="환수 통지일", widget=DateInput())
    reason = forms.CharField(label="환수 사유(거짓·부정 수령의 내용)", min_length=5, max_length=200,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"min_length": "환수 사유를 5자 이상 구체적으로 입력하세요."})

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["claim"].queryset = Claim.objects.filter(jurisdiction=_j(request),
                                                             status=Claim.Status.PAID).order_by("-paid_on", "pk")
        self.fields["claim"].label_from_instance = lambda c: f"{c.pk}번 {c.name} {c.amount:,}원 ({kdate(c.paid_on)})"
        self.fields["notified_on"].initial = _today()


# --- 1. first screen -------------------------------------------------------------------------------------------------


@staff_view("view_rewards")
def home(request: StaffRequest) -> HttpResponse:
    year = _year(request)
    summary = rewards.reward_summary(_j(request), year)
    cases = [(RewardCase.Status(k).label, v) for k, v in sorted(summary["cases"].items())]
    claims = [(Claim.Status(k).label, v["count"], v["amount"]) for k, v in sorted(summary["claims"].items())]
    return render(request, "staff/rewards/home.html", {
        "year": year, "s": summary, "cases": cases, "case_total": sum(summary["cases"].values()), "claims": claims,
    })


# --- 2. ledgers ------------------------------------------------------------------------------------------------------


def _kdate(iso: str) -> str:
    """"2026-11-10" (the documents' cell text) → "2026. 11. 10." on screen."""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{d.year}. {d.month}. {d.day}."


@staff_view("view_rewards")
def ledgers(request: StaffRequest) -> HttpResponse:
    year = _year(request)
    one = [replace(r, collected_on=_kdate(r.collected_on)) for r in documents.ledger_one(_j(request), year)]
    two = [replace(r, due_on=_kdate(r.due_on), collected_on=_kdate(r.collected_on), paid_on=_kdate(r.paid_on))
           for r in documents.ledger_two(_j(request), year)]
    return render(request, "staff/rewards/ledgers.html", {
        "year": year, "one": one, "two": two,
        "one_headers": documents.LedgerOneRow.HEADERS, "two_headers": documents.LedgerTwoRow.HEADERS,
    })


@staff_view("view_rewards")
def ledger_xlsx(request: StaffRequest) -> HttpResponse:
    year, code = _year(request), _j(request).code
    return _download(request, documents.ledger_xlsx(_j(request), year), f"포상금대장-{code}-{year}.xlsx", XLSX,
                     action="reward.ledger.download", detail={"year": year, "format": "xlsx"})


@staff_view("view_rewards")
def ledger_pdf(request: StaffRequest) -> HttpResponse:
    year, code = _year(request), _j(request).code
    return _download(request, documents.ledger_pdf(_j(request), year), f"포상금대장-{code}-{year}.pdf", "application/pdf",
                     action="reward.ledger.download", detail={"year": year, "format": "pdf"})


# --- 3. enforcement actions ------------------------------------------------------------------------------------------

def enforcement_actions(jurisdiction: Any) -> Any:
    """The jurisdiction's 체납처분 records, latest first (the screen pages them; the XLSX takes them all)."""
    return (EnforcementAction.objects.filter(jurisdiction=jurisdiction)
            .select_related("levy", "official", "civilian").order_by("-taken_on", "-pk"))


def _actions_page(request: StaffRequest, form: ActionForm | None = None) -> HttpResponse:
    page, query = page_of(request, enforcement_actions(_j(request)))
    return render(request, "staff/rewards/actions.html", {
        "rows": list(page), "page": page, "query": query, "form": form or ActionForm(request),
    })


@staff_view("view_rewards")
def actions(request: StaffRequest) -> HttpResponse:
    return _actions_page(request)


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def action_record(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _actions_page(request)
    form = ActionForm(request, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        levy = Levy.objects.filter(jurisdiction=_j(request), tax_number=d["tax_number"].strip()).first()
        person = _person(request, d["person"])
        if levy is None:
            form.add_error("tax_number", "이 지자체에 그 과세번호의 부과 건이 없습니다.")
        elif person is None:
            form.add_error("person", "처분한 직원 또는 신고한 민간인을 고르세요.")
        else:
            try:
                action = rewards.record_action(
                    levy, kind=d["kind"], taken_on=d["taken_on"],
                    official=person if isinstance(person, Official) else None,
                    civilian=person if isinstance(person, Civilian) else None,
                    deferred_until=d["deferred_until"], notes=d["notes"], actor=_actor(request), clock=_clock)
            except RewardError as e:
                _apply_error(form, e, {"official": "person", "civilian": "person", "levy": "tax_number"})
            else:
                messages.success(request, f"{levy.tax_number}에 {josa(action.get_kind_display(), '을')} 기록했습니다.")
                return redirect("staff:rewards_actions")
    return _actions_page(request, form)


# --- 4. cases (안건) --------------------------------------------------------------------------------------------------


def reward_cases(jurisdiction: Any, year: int) -> Any:
    """The year's 안건 (by 징수연도, or the year made when there is none)."""
    return (RewardCase.objects.filter(jurisdiction=jurisdiction)
            .filter(Q(collection_year=year) | Q(collection_year__isnull=True, created_at__year=year))
            .select_related("meeting", "levy").prefetch_related("claimants__official", "claimants__civilian")
            .order_by("pk"))


def _cases_page(request: StaffRequest, year: int, form: OpenCasesForm | None = None) -> HttpResponse:
    page, query = page_of(request, reward_cases(_j(request), year))
    return render(request, "staff/rewards/cases.html", {
        "year": year, "rows": list(page), "page": page, "query": query,
        "form": form or OpenCasesForm(request, initial={"year": year}),
    })


@staff_view("view_rewards")
def cases(request: StaffRequest) -> HttpResponse:
    return _cases_page(request, _year(request))


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def cases_open(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _cases_page(request, _year(request))
    form = OpenCasesForm(request, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        year = d["year"]
        levy, collector = None, _person(request, d["collector"] or "")
        if d["tax_number"]:
            levy = Levy.objects.filter(jurisdiction=_j(request), tax_number=d["tax_number"].strip()).first()
            if levy is None:
                form.add_error("tax_number", "이 지자체에 그 과세번호의 부과 건이 없습니다.")
                return _cases_page(request, year, form)
        try:
            opened = rewards.open_arrears_cases(_j(request), year, actor=_actor(request), clock=_clock, levy=levy,
                                                collector=collector)
        except RewardError as e:
            _apply_error(form, e, {"levy": "tax_number"})
        else:
            messages.success(request, f"{year}년 징수 기록에서 안건 {len(opened)}건을 새로 만들었습니다.")
            return redirect(reverse("staff:rewards_cases") + f"?year={year}")
        return _cases_page(request, year, form)
    return _cases_page(request, _year(request), form)


# --- 5. committee and meetings ---------------------------------------------------------------------------------------


def _problems(committee: Committee, on: date) -> list[str]:
    try:
        return composition_problems(committee, on)
    except RewardError as e:
        return [e.message]


def _committee_page(request: StaffRequest, form: MeetingForm | None = None) -> HttpResponse:
    on = _today()
    committees = []
    for c in Committee.objects.filter(jurisdiction=_j(request)).order_by("pk"):
        committees.append({
            "c": c, "members": list(c.members.select_related("official").order_by("pk")),
            "roll": {m.pk for m in c.roll(on)}, "problems": _problems(c, on),
            "meetings": list(c.meetings.order_by("-held_on", "-pk")),
        })
    return render(request, "staff/rewards/committee.html", {
        "committees": committees, "on": on, "form": form or MeetingForm(request),
    })


@staff_view("view_rewards")
def committee(request: StaffRequest) -> HttpResponse:
    return _committee_page(request)


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def meeting_create(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _committee_page(request)
    form = MeetingForm(request, request.POST)
    if form.is_valid():
        meeting = rewards.create_meeting(form.cleaned_data["committee"], held_on=form.cleaned_data["held_on"],
                                         actor=_actor(request), clock=_clock)
        messages.success(request, f"{meeting.held_on.year}. {meeting.held_on.month}. {meeting.held_on.day}. 회의를 "
                                  "만들었습니다. 안건을 상정하세요.")
        return redirect("staff:rewards_meeting", meeting_id=meeting.pk)
    return _committee_page(request, form)


def _meeting(request: StaffRequest, meeting_id: int) -> Meeting:
    return get_object_or_404(Meeting.objects.select_related("committee"), pk=meeting_id,
                             committee__jurisdiction=_j(request))


def _vote_key(case_id: int, member_id: int) -> str:
    return f"vote-{case_id}-{member_id}"


def _meeting_page(request: HttpRequest, meeting: Meeting, **forms_: Any) -> HttpResponse:
    committee_ = meeting.committee
    agenda = list(meeting.cases.prefetch_related("claimants__official", "claimants__civilian").order_by("pk"))
    present = [a.member for a in meeting.attendance.select_related("member").order_by("member_id")]
    present_ids = {m.pk for m in present}
    roll = committee_.roll(meeting.held_on)
    votes = {(v.case_id, v.member_id): v.in_favour for v in meeting.votes.all()}
    vote_errors: dict[str, str] = forms_.pop("vote_errors", {})
    posted: dict[str, str] = forms_.pop("vote_posted", {})
    grid = []
    for case in agenda:
        cells = []
        for m in present:
            key = _vote_key(case.pk, m.pk)
            cells.append({"member": m, "name": key, "recorded": votes.get((case.pk, m.pk)),
                          "posted": posted.get(key, ""), "error": vote_errors.get(key, "")})
        yes = sum(1 for m in present if votes.get((case.pk, m.pk)) is True)
        no = sum(1 for m in present if votes.get((case.pk, m.pk)) is False)
        grid.append({"case": case, "cells": cells, "yes": yes, "no": no,
                     "carried": rewards.carried(len(present), yes)})
    decision = getattr(meeting, "decision", None) if meeting.status == Meeting.Status.DECIDED else None
    decision_ctx = documents.decision_context(decision) if decision is not None else None
    is_open = meeting.status == Meeting.Status.SCHEDULED
    return render(request, "staff/rewards/meeting.html", {
        "meeting": meeting, "committee": committee_, "agenda": agenda, "present": present, "roll": roll,
        "present_ids": present_ids, "grid": grid, "problems": _problems(committee_, meeting.held_on),
        "quorum": rewards.quorum(len(roll), len(present)), "is_open": is_open,
        "decision": decision, "d": decision_ctx, "vote_errors": vote_errors,
        "agenda_form": forms_.get("agenda_form") or AgendaForm(meeting),
        "attendance_form": forms_.get("attendance_form") or AttendanceForm(meeting),
        "decide_error": forms_.get("decide_error", ""),
    })


@staff_view("view_rewards")
def meeting_detail(request: StaffRequest, meeting_id: int) -> HttpResponse:
    return _meeting_page(request, _meeting(request, meeting_id))


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def meeting_agenda(request: StaffRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    if request.method != "POST":
        return _meeting_page(request, meeting)
    form = AgendaForm(meeting, request.POST)
    if form.is_valid():
        case = form.cleaned_data["case"]
        try:
            rewards.put_on_agenda(meeting, case, actor=_actor(request), clock=_clock)
        except RewardError as e:
            _apply_error(form, e)
        else:
            messages.success(request, f"{josa(case.number, '을')} 상정했습니다.")
            return redirect("staff:rewards_meeting", meeting_id=meeting.pk)
    return _meeting_page(request, meeting, agenda_form=form)


@staff_view("vote_committee")
@require_http_methods(["GET", "POST"])
def meeting_attendance(request: StaffRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    if request.method != "POST":
        return _meeting_page(request, meeting)
    form = AttendanceForm(meeting, request.POST)
    if form.is_valid():
        member = form.cleaned_data["member"]
        try:
            rewards.record_attendance(meeting, member, actor=_actor(request), clock=_clock)
        except RewardError as e:
            _apply_error(form, e)
        else:
            messages.success(request, f"위원 {member.name}의 출석을 기록했습니다.")
            return redirect("staff:rewards_meeting", meeting_id=meeting.pk)
    return _meeting_page(request, meeting, attendance_form=form)


@staff_view("vote_committee")
@require_http_methods(["GET", "POST"])
def meeting_votes(request: StaffRequest, meeting_id: int) -> HttpResponse:
    """The vote grid: one choice (찬성/반대/기록 안 함) per agenda item and present member; each is recorded once."""
    meeting = _meeting(request, meeting_id)
    if request.method != "POST":
        return _meeting_page(request, meeting)
    cases_ = {c.pk: c for c in meeting.cases.all()}
    members = {a.member_id: a.member for a in meeting.attendance.select_related("member")}
    recorded, errors, posted = 0, {}, {}
    for name, value in request.POST.items():
        if not name.startswith("vote-") or value not in ("yes", "no"):
            continue
        posted[name] = value
        parts = name.split("-")
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            continue
        case, member = cases_.get(int(parts[1])), members.get(int(parts[2]))
        if case is None or member is None:
            errors[name] = "이 회의의 안건 또는 출석 위원이 아닙니다."
            continue
        if meeting.votes.filter(case=case, member=member).exists():
            continue  # already recorded: the grid shows it; nothing to do
        try:
            rewards.record_vote(meeting, case, member, in_favour=value == "yes", actor=_actor(request), clock=_clock)
            recorded += 1
        except RewardError as e:
            errors[name] = e.message
    if errors:
        return _meeting_page(request, meeting, vote_errors=errors, vote_posted=posted)
    messages.success(request, f"표결 {recorded}건을 기록했습니다." if recorded else "새로 기록할 표결이 없습니다.")
    return redirect(reverse("staff:rewards_meeting", kwargs={"meeting_id": meeting.pk}) + "#votes")


@staff_view("vote_committee")
@require_http_methods(["GET", "POST"])
def meeting_decide(request: StaffRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    if request.method != "POST":
        return _meeting_page(request, meeting)
    try:
        decision = rewards.decide_meeting(meeting, actor=_actor(request), clock=_clock)
    except RewardError as e:
        label = FIELD_LABELS.get(e.field or "", "")
        return _meeting_page(request, meeting, decide_error=f"{label}: {e.message}" if label else e.message)
    messages.success(request, f"의결했습니다. 포상금 합계 {decision.total:,}원.")
    return redirect(reverse("staff:rewards_meeting", kwargs={"meeting_id": meeting.pk}) + "#decision")


@staff_view("view_rewards")
def decision_pdf(request: StaffRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    decision = Decision.objects.filter(meeting=meeting).first()
    if decision is None:
        raise Http404("의결하지 않은 회의입니다.")
    return _download(request, documents.decision_pdf(decision), f"심사결정서-{meeting.held_on.isoformat()}.pdf",
                     "application/pdf", action="reward.decision.download", target=decision)


# --- 6. claims and payment -------------------------------------------------------------------------------------------


def _claims_page(request: StaffRequest, **forms_: Any) -> HttpResponse:
    j = _j(request)
    year = _year(request)
    all_claims = Claim.objects.filter(jurisdiction=j)
    claims, query = page_of(request, all_claims.select_related("decision", "batch").order_by("-pk"))
    claimed = set(all_claims.values_list("decision_id", "payee_key"))
    decisions = []
    for d in Decision.objects.filter(jurisdiction=j).select_related("meeting__committee").order_by("-decided_on"):
        totals: dict[str, int] = {}
        for a in d.awards.all():
            totals[a.payee_key] = totals.get(a.payee_key, 0) + a.amount
        payees = []
        for key, amount in sorted(totals.items()):
            try:
                name = str(rewards.payee_by_key(key))
            except RewardError:
                name = key
            payees.append({"key": key, "name": name, "amount": amount, "claimed": (d.pk, key) in claimed})
        decisions.append({"d": d, "payees": payees})
    batches = list(TransferBatch.objects.filter(jurisdiction=j).order_by("-pk")
                   .annotate(claim_count=Count("claims"), total=Coalesce(Sum("claims__amount"), 0)))
    budget_year = year
    return render(request, "staff/rewards/claims.html", {
        "year": year, "claims": claims, "page": claims, "query": query, "decisions": decisions, "batches": batches,
        "budget": RewardBudget.objects.filter(jurisdiction=j, year=budget_year).first(),
        "remaining": rewards.budget_remaining(j, budget_year),
        "claim_form": forms_.get("claim_form") or ClaimForm(request),
        "schedule_form": ScheduleForm(), "schedule_error": forms_.get("schedule_error"),
        "budget_form": forms_.get("budget_form") or BudgetForm(initial={"year": year}),
        "batch_form": forms_.get("batch_form") or BatchForm(initial={"year": year}),
        "paid_form": PaidForm(), "paid_error": forms_.get("paid_error"),
        "today": _today(),
    })


@staff_view("view_rewards")
def claims(request: StaffRequest) -> HttpResponse:
    return _claims_page(request)


def _back_to_claims(request: HttpRequest, anchor: str = "") -> HttpResponse:
    return redirect(reverse("staff:rewards_claims") + f"?year={_year(request)}" + anchor)


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def claim_submit(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _claims_page(request)
    form = ClaimForm(request, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            payee = rewards.payee_by_key(d["payee"])
            if payee.jurisdiction_id != _j(request).code:
                raise RewardError("payee", "다른 지자체의 사람입니다.")
            claim = rewards.submit_claim(d["decision"], payee, submitted_on=d["submitted_on"],
                                         actor=_actor(request), clock=_clock)
        except RewardError as e:
            _apply_error(form, e, {"account": "payee"})
        else:
            messages.success(request, f"{claim.name}님의 지급신청({claim.amount:,}원)을 접수했습니다.")
            return _back_to_claims(request, "#claims")
    return _claims_page(request, claim_form=form)


def _claim(request: StaffRequest, claim_id: int) -> Claim:
    return scoped_or_404(request, Claim, pk=claim_id)


@staff_view("view_rewards")
def claim_pdf(request: StaffRequest, claim_id: int) -> HttpResponse:
    claim = _claim(request, claim_id)
    return _download(request, documents.claim_pdf(claim), f"지급신청서-{claim.pk}.pdf", "application/pdf",
                     action="reward.claim.download", target=claim, detail={"format": "pdf"})


@staff_view("view_rewards")
def claim_xlsx(request: StaffRequest, claim_id: int) -> HttpResponse:
    claim = _claim(request, claim_id)
    return _download(request, documents.claim_xlsx(claim), f"지급신청서-{claim.pk}.xlsx", XLSX,
                     action="reward.claim.download", target=claim, detail={"format": "xlsx"})


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def claim_schedule(request: StaffRequest, claim_id: int) -> HttpResponse:
    """지급 확정: approved in the year of the date, or carried to the next year when the budget is short."""
    claim = _claim(request, claim_id)
    if request.method != "POST":
        return _claims_page(request)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            claim = rewards.schedule_claim(claim, as_of=form.cleaned_data["as_of"], actor=_actor(request),
                                           clock=_clock)
        except RewardError as e:
            return _claims_page(request, schedule_error=(claim.pk, e.message))
        if claim.status == Claim.Status.CARRIED:
            messages.warning(request, f"{claim.name}님의 신청은 예산이 부족하여 {claim.budget_year}년으로 이월했습니다.")
        else:
            messages.success(request, f"{claim.name}님의 신청을 {claim.budget_year}년 예산으로 지급 확정했습니다.")
        return _back_to_claims(request, "#claims")
    return _claims_page(request, schedule_error=(claim.pk, "지급 기준일을 입력하세요."))


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def budget(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _claims_page(request)
    form = BudgetForm(request.POST)
    if form.is_valid():
        try:
            b = rewards.set_budget(_j(request), form.cleaned_data["year"], form.cleaned_data["amount"],
                                   actor=_actor(request), clock=_clock)
        except RewardError as e:
            _apply_error(form, e)
        else:
            messages.success(request, f"{b.year}년 포상금 예산을 {b.amount:,}원으로 정했습니다.")
            return redirect(reverse("staff:rewards_claims") + f"?year={b.year}#budget")
    return _claims_page(request, budget_form=form)


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def batch_create(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _claims_page(request)
    form = BatchForm(request.POST)
    if form.is_valid():
        try:
            batch = rewards.create_transfer_batch(_j(request), year=form.cleaned_data["year"],
                                                  created_on=form.cleaned_data["created_on"], actor=_actor(request),
                                                  clock=_clock)
        except RewardError as e:
            _apply_error(form, e)
        else:
            messages.success(request, f"이체 묶음 {batch.pk}번을 만들었습니다. 이체 파일을 내려받으세요.")
            return redirect(reverse("staff:rewards_claims") + f"?year={batch.year}#batches")
    return _claims_page(request, batch_form=form)


def _batch(request: StaffRequest, batch_id: int) -> TransferBatch:
    return scoped_or_404(request, TransferBatch, pk=batch_id)


@staff_view("manage_rewards")
def transfer_file(request: StaffRequest, batch_id: int) -> HttpResponse:
    """The bank-transfer file: full account numbers, so 담당자 only and audited (as `jingsu rewards transfer-file`)."""
    batch = _batch(request, batch_id)
    return _download(request, documents.transfer_file(batch), f"포상금이체-{batch.year}-{batch.pk}.csv",
                     "text/csv; charset=cp949", action="reward.batch.transfer-file", target=batch,
                     reason="이체 파일(계좌번호 포함) 작성")


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def batch_paid(request: StaffRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    if request.method != "POST":
        return _claims_page(request)
    form = PaidForm(request.POST)
    if not form.is_valid():
        return _claims_page(request, paid_error=(batch.pk, "지급일을 입력하세요."))
    try:
        batch = rewards.mark_batch_paid(batch, paid_on=form.cleaned_data["paid_on"], actor=_actor(request),
                                        clock=_clock)
    except RewardError as e:
        return _claims_page(request, paid_error=(batch.pk, e.message))
    messages.success(request, f"이체 묶음 {batch.pk}번을 지급 완료로 기록했습니다.")
    return redirect(reverse("staff:rewards_claims") + f"?year={batch.year}#batches")


# --- 7. clawbacks ----------------------------------------------------------------------------------------------------


def _clawbacks_page(request: StaffRequest, form: ClawbackForm | None = None) -> HttpResponse:
    page, query = page_of(request, clawbacks_of(_j(request)))
    return render(request, "staff/rewards/clawbacks.html", {"rows": page, "page": page, "query": query,
                                                            "form": form or ClawbackForm(request)})


def clawbacks_of(jurisdiction: Any) -> Any:
    return Clawback.objects.filter(jurisdiction=jurisdiction).select_related("claim").order_by("-notified_on", "-pk")


@staff_view("view_rewards")
def clawbacks(request: StaffRequest) -> HttpResponse:
    return _clawbacks_page(request)


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def clawback_detect(request: StaffRequest) -> HttpResponse:
    """POST: 부과취소된 건의 환수 (rewards.services.detect_cancelled_levies; safe to run again); GET: the page."""
    if request.method != "POST":
        return _clawbacks_page(request)
    opened = rewards.detect_cancelled_levies(_j(request), as_of=_today(), actor=_actor(request), clock=_clock)
    if opened:
        messages.success(request, f"부과취소된 건의 환수를 {len(opened):,}건 열었습니다: "
                                  f"{sum(c.total for c in opened):,}원.")
    else:
        messages.info(request, "새로 환수할 부과취소 건이 없습니다.")
    return redirect("staff:rewards_clawbacks")


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def clawback_open(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _clawbacks_page(request)
    form = ClawbackForm(request, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            c = rewards.open_fraud_clawback(d["claim"], notified_on=d["notified_on"], reason=d["reason"],
                                            actor=_actor(request), clock=_clock)
        except RewardError as e:
            _apply_error(form, e)
        else:
            messages.success(request, f"환수를 통지했습니다: {c.total:,}원 (원금 {c.principal:,}원, 이자 {c.interest:,}원).")
            return redirect("staff:rewards_clawbacks")
    return _clawbacks_page(request, form)
