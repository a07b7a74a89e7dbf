"""포상금 인적 사항 등록 in the staff console, under /staff/rewards/: the people of the reward process (officials,
civilian informants, committees and their members, a member's term end) and hidden-revenue findings with their
collection check — what only `jingsu rewards official-add / civilian-add / committee-add / member-add / finding /
finding-collected` could do before.

As in `rewards_views`: screens (GET) need `view_rewards`; every change is a POST with `manage_rewards` (담당자) to its
own URL, whose GET shows the screen its form lives on. The work is done by `jingsu.rewards.services` (one transaction
and an audit row each); a refused input (form validation or `RewardError`) shows the form again with HTTP 400, the
field named, and nothing written. Objects are read through the user's jurisdiction (another one's id → 404) and form
choices list only the user's jurisdiction. Account numbers are stored encrypted by the model and shown masked
(`account_masked`); a refused form does not echo a typed account number back.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from jingsu.korean import josa
from jingsu.levies.models import Levy
from jingsu.rewards import services as rewards
from jingsu.rewards.documents import mask_address, mask_name
from jingsu.rewards.models import (
    Civilian,
    Committee,
    CommitteeMember,
    HiddenRevenueFinding,
    Official,
    RewardError,
)
from jingsu.staff.access import CONSOLE_CLOCK as _clock
from jingsu.staff.access import StaffRequest, scoped_or_404, staff_view
from jingsu.staff.access import actor as _actor
from jingsu.staff.access import console_today as _today
from jingsu.staff.access import jurisdiction_of as _j
from jingsu.staff.paging import page_of
from jingsu.staff.rewards_views import (
    DateInput,
    _apply_error,
    _Form,
    _person,
    _person_choices,
    _problems,
)

TEMPLATES = "staff/rewards/setup/"

# --- forms -----------------------------------------------------------------------------------------------------------

ACCOUNT_DIGITS = (10, 16)  # Korean bank account numbers: 10–14 digits in practice; a little room either side


class NoEchoInput(forms.TextInput):
    """A text input that never renders its value: a refused form does not put a typed account number on screen."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"autocomplete": "off", "inputmode": "numeric", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        return None


class _AccountFields(_Form):
    """거래은행, 계좌번호, 예금주 (제8조③: payment by transfer). The number is kept as digits only."""

    bank = forms.CharField(label="거래은행", max_length=30, required=False, help_text="은행 이름 또는 금융결제원 은행 코드 (예: 신한은행 또는 088)")
    account = forms.CharField(label="계좌번호", max_length=30, required=False, widget=NoEchoInput(),
                              help_text="숫자와 -만 입력합니다. 저장 후 화면에는 끝 4자리만 보입니다.")
    holder = forms.CharField(label="예금주", max_length=50, required=False, help_text="비우면 성명")

    def clean_account(self) -> str:
        raw = self.cleaned_data.get("account", "").strip()
        if not raw:
            return ""
        if any(not (ch.isdigit() or ch in "- ") for ch in raw):
            raise forms.ValidationError("계좌번호는 숫자와 -(하이픈)만 입력하세요. 다시 입력하세요.")
        digits = "".join(ch for ch in raw if ch.isdigit())
        low, high = ACCOUNT_DIGITS
        if not low <= len(digits) <= high:
            raise forms.ValidationError(f"계좌번호는 숫자 {low}~{high}자리여야 합니다 ({len(digits)}자리 입력). "
                                        "다시 입력하세요.")
        return digits

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        bank, account = data.get("bank", "").strip(), data.get("account")
        if account and not bank:
            self.add_error("bank", "계좌번호를 입력했으면 거래은행도 입력하세요.")
        if bank and not account and "account" not in self.errors:
            self.add_error("account", "거래은행을 입력했으면 계좌번호도 입력하세요.")
        return data

    @property
    def account_to_retype(self) -> bool:
        """A refused form with an account number typed: it is not shown again, so the page asks to type it again."""
        return self.is_bound and bool(self.errors) and bool(self.data.get("account", "").strip())


_NAME_REQUIRED = {"required": "성명을 입력하세요."}


class OfficialForm(_AccountFields):
    id_prefix = "official"
    field_order = ["name", "rank", "department", "bureau", "director_or_above", "bank", "account", "holder"]

    name = forms.CharField(label="성명", max_length=50, error_messages=_NAME_REQUIRED)
    rank = forms.CharField(label="직급", max_length=30, help_text="예: 지방세무주사보, 과장, 국장",
                           error_messages={"required": "직급을 입력하세요."})
    department = forms.CharField(label="부서", max_length=50, help_text="예: 세무1과 체납징수팀",
                                 error_messages={"required": "부서를 입력하세요."})
    bureau = forms.CharField(label="국", max_length=50, required=False, help_text="예: 재무국 (공적심사위원회는 국마다)")
    director_or_above = forms.BooleanField(label="국장급 이상 (조례 제2조: 직접 징수하지 않은 체납액 포상금 제외)",
                                           required=False)


class CivilianForm(_AccountFields):
    id_prefix = "civilian"
    field_order = ["name", "address", "birth_date", "bank", "account", "holder"]

    name = forms.CharField(label="성명", max_length=50, error_messages=_NAME_REQUIRED)
    address = forms.CharField(label="주소", max_length=200, help_text="신고서에 적힌 주소 (조례 제2조⑥)",
                              error_messages={"required": "주소를 입력하세요 (신고는 성명과 주소를 적은 문서로 합니다)."})
    birth_date = forms.DateField(label="생년월일", required=False, widget=DateInput(),
                                 help_text="별지 제2호서식에 적습니다. 암호화하여 저장합니다.")


class CommitteeForm(_Form):
    id_prefix = "committee"

    bureau = forms.CharField(label="소관 국", max_length=50, help_text="예: 재무국 (국마다 위원회 하나, 조례 제5조①)",
                             error_messages={"required": "소관 국을 입력하세요."})
    name = forms.CharField(label="위원회 이름", max_length=100, required=False,
                           help_text="비우면 '<국> 세입징수공적심사위원회'")

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jurisdiction = _j(request)

    def clean_bureau(self) -> str:
        bureau = self.cleaned_data["bureau"].strip()
        if Committee.objects.filter(jurisdiction=self.jurisdiction, bureau=bureau).exists():
            raise forms.ValidationError(f"{bureau}의 공적심사위원회가 이미 있습니다.")
        return bureau


class MemberForm(_Form):
    id_prefix = "member"

    official = forms.ModelChoiceField(label="직원(내부 위원)", queryset=Official.objects.none(), required=False,
                                      empty_label="— 외부 위원은 비움 —")
    name = forms.CharField(label="성명", max_length=50, required=False, help_text="비우면 고른 직원의 성명")
    role = forms.ChoiceField(label="역할", choices=CommitteeMember.Role.choices, initial=CommitteeMember.Role.MEMBER)
    kind = forms.ChoiceField(label="구분", choices=CommitteeMember.Kind.choices)
    position = forms.CharField(label="직위·소속", max_length=50, required=False,
                               help_text="내부: 재무국장, 세무1과장 / 외부: 소속")
    term_start = forms.DateField(label="임기 시작", widget=DateInput(),
                                 error_messages={"required": "임기 시작일을 입력하세요."})
    term_end = forms.DateField(label="임기 종료", required=False, widget=DateInput(),
                               help_text="내부 위원은 비워 둘 수 있습니다. 외부 위원은 필수(임기 2년 등, 조례 제5조).")

    def __init__(self, committee: Committee, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["official"].queryset = Official.objects.filter(
            jurisdiction_id=committee.jurisdiction_id, active=True).order_by("department", "name")
        self.fields["term_start"].initial = _today()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        official = data.get("official")
        name = (data.get("name") or "").strip() or (official.name if official is not None else "")
        if not name:
            self.add_error("name", "성명을 입력하세요 (내부 위원은 직원을 고르면 그 성명을 씁니다).")
        data["name"] = name
        start, end = data.get("term_start"), data.get("term_end")
        if start and end and end < start:
            self.add_error("term_end", "임기 종료일이 시작일보다 앞섭니다.")
        return data


class EndTermForm(_Form):
    id_prefix = "endterm"

    term_end = forms.DateField(label="임기 종료일(마지막 날)", widget=DateInput(),
                               error_messages={"required": "임기 종료일을 입력하세요."})

    def __init__(self, member: CommitteeMember, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-{member.pk}-%s")
        super().__init__(*args, **kwargs)
        self.fields["term_end"].initial = _today()


class FindingForm(_Form):
    id_prefix = "finding"

    category = forms.ChoiceField(label="구분", choices=HiddenRevenueFinding.Category.choices)
    person = forms.ChoiceField(label="발굴한 직원 또는 제보한 민간인")
    tax_item = forms.CharField(label="세목", max_length=40, help_text="세목 또는 점용료·사용료 등",
                               error_messages={"required": "세목을 입력하세요."})
    source_description = forms.CharField(label="발굴세원", max_length=200,
                                         error_messages={"required": "발굴세원을 입력하세요."})
    taxpayer_name = forms.CharField(label="납세의무자 성명", max_length=100,
                                    error_messages={"required": "납세의무자 성명을 입력하세요."})
    taxpayer_address = forms.CharField(label="납세의무자 주소", max_length=200, required=False)
    tax_number = forms.CharField(label="과세번호(부과한 경우)", max_length=40, required=False)
    due_on = forms.DateField(label="납기", required=False, widget=DateInput())
    assessed = forms.IntegerField(label="부과액(원)", min_value=0, max_value=10**13, initial=0)
    evaded = forms.IntegerField(label="탈루세액 등(원)", min_value=0, max_value=10**13, initial=0)
    assessment_notified_on = forms.DateField(label="부과 고지일", required=False, widget=DateInput(),
                                             help_text="불복청구기간(90일) 계산에 씁니다 (조례 제8조②).")
    prosecuted = forms.BooleanField(label="고발·통고처분", required=False)
    verified = forms.BooleanField(label="사실 검증됨", required=False)
    official_on_duty = forms.BooleanField(label="공무원이 직무상 제공한 자료", required=False)
    national_tax_based = forms.BooleanField(label="국세 과세표준에 따른 지방세", required=False)
    notes = forms.CharField(label="비고", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = _person_choices(request, civilians=True)
        self.fields["person"].error_messages["required"] = "발굴한 직원 또는 제보한 민간인을 고르세요."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("category") == HiddenRevenueFinding.Category.UNAUTHORIZED_USE and not data.get("assessed"):
            self.add_error("assessed", "무단점용·부정사용 부과는 부과액을 입력하세요 (조례 제3조4호).")
        if data.get("category") == HiddenRevenueFinding.Category.INFORMANT and not data.get("evaded"):
            self.add_error("evaded", "탈루세액 자료 제공은 탈루세액 등을 입력하세요 (조례 제3조6호).")
        return data


class FindingCollectedForm(_Form):
    id_prefix = "collected"

    collected = forms.IntegerField(label="징수액(원)", min_value=1, max_value=10**13,
                                   error_messages={"min_value": "징수액은 0보다 커야 합니다."})
    collected_on = forms.DateField(label="징수일자", widget=DateInput())
    confirmed_by = forms.CharField(label="징수 확인한 팀장 성명", max_length=50,
                                   error_messages={"required": "징수를 확인한 팀장의 성명을 입력하세요."})
    final_on = forms.DateField(label="부과 확정일(이의신청·심판청구가 있었으면)", required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collected_on"].initial = _today()


def _refused(response: HttpResponse) -> HttpResponse:
    response.status_code = 400
    return response


# --- officials -------------------------------------------------------------------------------------------------------


def _officials_page(request: StaffRequest, form: OfficialForm | None = None) -> HttpResponse:
    page, query = page_of(request, officials_of(_j(request)))
    return render(request, TEMPLATES + "officials.html", {"rows": page, "page": page, "query": query,
                                                          "form": form or OfficialForm()})


def officials_of(jurisdiction: Any) -> Any:
    return Official.objects.filter(jurisdiction=jurisdiction).order_by("-active", "bureau", "department", "name", "pk")


@staff_view("view_rewards")
def officials(request: StaffRequest) -> HttpResponse:
    return _officials_page(request)


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def official_new(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _officials_page(request)
    form = OfficialForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            official = rewards.add_official(
                _j(request), name=d["name"], rank=d["rank"].strip(), department=d["department"].strip(),
                bureau=d["bureau"].strip(), director_or_above=d["director_or_above"], bank=d["bank"].strip(),
                account=d["account"], holder=d["holder"].strip(), actor=_actor(request), clock=_clock)
        except RewardError as e:
            _apply_error(form, e)
        else:
            messages.success(request, f"직원 {josa(official, '을')} 등록했습니다"
                                      + (f" (계좌 {official.bank_display} {official.account_masked})." if official.bank else "."))
            return redirect("staff:rewards_officials")
    return _refused(_officials_page(request, form))


# --- civilians -------------------------------------------------------------------------------------------------------


def _civilians_page(request: StaffRequest, form: CivilianForm | None = None) -> HttpResponse:
    page, query = page_of(request, civilians_of(_j(request)))
    rows = [{"c": c, "address": mask_address(c.address)} for c in page]
    return render(request, TEMPLATES + "civilians.html", {"rows": rows, "page": page, "query": query,
                                                          "form": form or CivilianForm()})


def civilians_of(jurisdiction: Any) -> Any:
    return Civilian.objects.filter(jurisdiction=jurisdiction).order_by("name", "pk")


@staff_view("view_rewards")
def civilians(request: StaffRequest) -> HttpResponse:
    return _civilians_page(request)


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def civilian_new(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _civilians_page(request)
    form = CivilianForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            civilian = rewards.add_civilian(
                _j(request), name=d["name"], address=d["address"], birth_date=d["birth_date"],
                bank=d["bank"].strip(), account=d["account"], holder=d["holder"].strip(), actor=_actor(request),
                clock=_clock)
        except RewardError as e:
            _apply_error(form, e)
        else:
            messages.success(request, f"민간인 신고자 {josa(civilian.name, '을')} 등록했습니다.")
            return redirect("staff:rewards_civilians")
    return _refused(_civilians_page(request, form))


# --- committees and members ------------------------------------------------------------------------------------------


def _committee_new_page(request: StaffRequest, form: CommitteeForm | None = None) -> HttpResponse:
    committees = Committee.objects.filter(jurisdiction=_j(request)).order_by("pk")
    return render(request, TEMPLATES + "committee_new.html", {
        "committees": committees, "form": form or CommitteeForm(request)})


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def committee_new(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _committee_new_page(request)
    form = CommitteeForm(request, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            committee = rewards.create_committee(_j(request), bureau=d["bureau"], name=d["name"].strip(),
                                                 actor=_actor(request), clock=_clock)
        except IntegrityError:  # created by someone else between the check and the insert
            form.add_error("bureau", f"{d['bureau']}의 공적심사위원회가 이미 있습니다.")
        except RewardError as e:
            _apply_error(form, e)
        else:
            messages.success(request, f"{josa(committee.name, '을')} 만들었습니다. 위원을 등록하세요.")
            return redirect("staff:rewards_committee_members", committee_id=committee.pk)
    return _refused(_committee_new_page(request, form))


def _members_page(request: HttpRequest, committee: Committee, *, form: MemberForm | None = None,
                  end_form: tuple[int, EndTermForm] | None = None) -> HttpResponse:
    on = _today()
    roll = {m.pk for m in committee.roll(on)}
    rows = []
    for m in committee.members.select_related("official").order_by("pk"):
        bound = end_form[1] if end_form is not None and end_form[0] == m.pk else None
        rows.append({"m": m, "serving": m.pk in roll, "end_form": bound or EndTermForm(m)})
    return render(request, TEMPLATES + "members.html", {
        "committee": committee, "rows": rows, "on": on, "problems": _problems(committee, on),
        "form": form or MemberForm(committee),
    })


def _committee(request: StaffRequest, committee_id: int) -> Committee:
    return scoped_or_404(request, Committee, pk=committee_id)


@staff_view("view_rewards")
def committee_members(request: StaffRequest, committee_id: int) -> HttpResponse:
    return _members_page(request, _committee(request, committee_id))


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def member_new(request: StaffRequest, committee_id: int) -> HttpResponse:
    committee = _committee(request, committee_id)
    if request.method != "POST":
        return _members_page(request, committee)
    form = MemberForm(committee, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            member = rewards.add_member(
                committee, name=d["name"], role=d["role"], kind=d["kind"], term_start=d["term_start"],
                term_end=d["term_end"], official=d["official"], position=d["position"].strip(),
                actor=_actor(request), clock=_clock)
        except RewardError as e:
            _apply_error(form, e)
        else:
            messages.success(request, f"{member.get_role_display()} {josa(member.name, '을')} 등록했습니다.")
            return redirect("staff:rewards_committee_members", committee_id=committee.pk)
    return _refused(_members_page(request, committee, form=form))


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def member_end_term(request: StaffRequest, member_id: int) -> HttpResponse:
    member = get_object_or_404(CommitteeMember.objects.select_related("committee"), pk=member_id,
                               committee__jurisdiction=_j(request))
    committee = member.committee
    if request.method != "POST":
        return _members_page(request, committee)
    form = EndTermForm(member, request.POST)
    if form.is_valid():
        try:
            member = rewards.end_member_term(member, term_end=form.cleaned_data["term_end"], actor=_actor(request),
                                             clock=_clock)
        except RewardError as e:
            _apply_error(form, e)
        else:
            end = member.term_end
            assert end is not None
            messages.success(request, f"위원 {member.name}의 임기를 {end.year}. {end.month}. {end.day}.에 끝냈습니다.")
            return redirect("staff:rewards_committee_members", committee_id=committee.pk)
    return _refused(_members_page(request, committee, end_form=(member.pk, form)))


# --- hidden-revenue findings (별지 제2호서식) ---------------------------------------------------------------------------


def _findings_page(request: StaffRequest, form: FindingForm | None = None) -> HttpResponse:
    page, query = page_of(request, findings_of(_j(request)))
    with_case = set(HiddenRevenueFinding.objects.filter(pk__in=[f.pk for f in page], cases__isnull=False)
                    .values_list("pk", flat=True))
    rows = [{"f": f, "taxpayer": mask_name(f.taxpayer_name), "finder": finder_of(f), "has_case": f.pk in with_case}
            for f in page]
    return render(request, TEMPLATES + "findings.html", {"rows": rows, "page": page, "query": query,
                                                         "form": form or FindingForm(request)})


def findings_of(jurisdiction: Any) -> Any:
    return (HiddenRevenueFinding.objects.filter(jurisdiction=jurisdiction)
            .select_related("official", "civilian", "levy").order_by("-created_at", "-pk"))


def finder_of(f: HiddenRevenueFinding) -> str:
    return str(f.official) if f.official else f"민간인 {f.civilian.name if f.civilian else ''}"


@staff_view("view_rewards")
def findings(request: StaffRequest) -> HttpResponse:
    return _findings_page(request)


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def finding_new(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _findings_page(request)
    form = FindingForm(request, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        person = _person(request, d["person"])
        levy = None
        if d["tax_number"].strip():
            levy = Levy.objects.filter(jurisdiction=_j(request), tax_number=d["tax_number"].strip()).first()
            if levy is None:
                form.add_error("tax_number", "이 지자체에 그 과세번호의 부과 건이 없습니다.")
        if person is None:
            form.add_error("person", "발굴한 직원 또는 제보한 민간인을 고르세요.")
        if form.is_valid():
            try:
                finding = rewards.record_finding(
                    _j(request), category=d["category"], tax_item=d["tax_item"].strip(),
                    source_description=d["source_description"].strip(), taxpayer_name=d["taxpayer_name"].strip(),
                    taxpayer_address=d["taxpayer_address"].strip(),
                    official=person if isinstance(person, Official) else None,
                    civilian=person if isinstance(person, Civilian) else None,
                    levy=levy, due_on=d["due_on"], assessed=d["assessed"], evaded=d["evaded"],
                    assessment_notified_on=d["assessment_notified_on"], prosecuted=d["prosecuted"],
                    verified=d["verified"], official_on_duty=d["official_on_duty"],
                    national_tax_based=d["national_tax_based"], notes=d["notes"], actor=_actor(request),
                    clock=_clock)
            except RewardError as e:
                _apply_error(form, e, {"official": "person", "civilian": "person", "levy": "tax_number"})
            else:
                messages.success(request, f"숨은 세원 발굴 {finding.pk}번({finding.get_category_display()})을 기록했습니다.")
                return redirect("staff:rewards_findings")
    return _refused(_findings_page(request, form))


def _finding_page(request: HttpRequest, finding: HiddenRevenueFinding,
                  form: FindingCollectedForm | None = None) -> HttpResponse:
    return render(request, TEMPLATES + "finding_collected.html", {
        "f": finding, "taxpayer": mask_name(finding.taxpayer_name),
        "taxpayer_address": mask_address(finding.taxpayer_address),
        "form": form or FindingCollectedForm(initial={"collected": finding.collected or None}),
    })


@staff_view("manage_rewards")
@require_http_methods(["GET", "POST"])
def finding_collected(request: StaffRequest, finding_id: int) -> HttpResponse:
    """징수 확인: the money of a finding was received (confirmed by the team lead, whose name is recorded)."""
    finding = scoped_or_404(request, HiddenRevenueFinding, pk=finding_id)
    if request.method != "POST":
        return _finding_page(request, finding)
    form = FindingCollectedForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            finding = rewards.confirm_finding_collection(
                finding, collected=d["collected"], collected_on=d["collected_on"],
                confirmed_by=d["confirmed_by"].strip(), final_on=d["final_on"], actor=_actor(request), clock=_clock)
        except RewardError as e:
            _apply_error(form, e)
        else:
            messages.success(request, f"세원발굴 {finding.pk}번의 징수 {finding.collected:,}원을 확인했습니다.")
            return redirect("staff:rewards_findings")
    return _refused(_finding_page(request, finding, form))


urlpatterns: list[URLPattern] = [
    path("rewards/officials/", officials, name="rewards_officials"),
    path("rewards/officials/new/", official_new, name="rewards_official_new"),
    path("rewards/civilians/", civilians, name="rewards_civilians"),
    path("rewards/civilians/new/", civilian_new, name="rewards_civilian_new"),
    path("rewards/committee/new/", committee_new, name="rewards_committee_new"),
    path("rewards/committee/<int:committee_id>/members/", committee_members, name="rewards_committee_members"),
    path("rewards/committee/<int:committee_id>/members/new/", member_new, name="rewards_member_new"),
    path("rewards/members/<int:member_id>/end-term/", member_end_term, name="rewards_member_end_term"),
    path("rewards/findings/", findings, name="rewards_findings"),
    path("rewards/findings/new/", finding_new, name="rewards_finding_new"),
    path("rewards/findings/<int:finding_id>/collected/", finding_collected, name="rewards_finding_collected"),
]
