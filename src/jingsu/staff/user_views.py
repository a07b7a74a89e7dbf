"""직원 계정 관리 (issue #8 item 1) in the staff console, under /staff/users/, for `manage_users` (시스템관리자).

- the list of the jurisdiction's staff accounts (username, name, role, active, django-axes lockout, last login,
  created);
- a new account: username, name and the role asked for. No password is made or shown: the account has no role and
  no password until another 시스템관리자 approves the request (maker-checker, docs/security.md); the approval
  shows that approver the one-time set-up link (in that response only, no-store) with which the owner sets their
  own password;
- the account page: ask for another role or a password reset, approve or reject a pending request (not one's own),
  deactivate or reactivate, lift a lockout;
- `account/`: any staff member's own account page (role, pending request, notices such as a reset);
- `setup/<token>/` (public): the owner sets their password (Django's password validators).

Every change is a POST (CSRF) to its own URL; GET of that URL shows the account page with its forms (the URL walker
expects 200). Accounts are found through the user's jurisdiction (`scoped_or_404` on `StaffProfile`), so another
jurisdiction's `user_id` is 404. Each change is one service call in `staff/services.py` (atomic, with its audit row);
the refusals (`StaffAccountError`: an administrator deactivating themselves or removing their own `manage_users`)
are shown on the page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods

from jingsu.staff import services
from jingsu.staff.access import CONSOLE_CLOCK as _clock
from jingsu.staff.access import StaffRequest, public_view, scoped_or_404, staff_view
from jingsu.staff.access import actor as _actor
from jingsu.staff.access import jurisdiction_of as _j
from jingsu.staff.models import AccountNotice, AccountRequest, AccountSetupToken, StaffProfile
from jingsu.staff.paging import page_of
from jingsu.staff.roles import DATA_ROLES, ROLE_BY_CODE, ROLE_CHOICES, ROLES

USERNAME_MAX = 150


# --- forms -----------------------------------------------------------------------------------------------------------


class NewUserForm(forms.Form):
    username = forms.CharField(
        label="아이디", max_length=USERNAME_MAX, strip=True,
        help_text="150자 이내. 글자, 숫자와 @ . + - _ 만 쓸 수 있습니다(빈칸 불가). 예: kim.minjun-11260",
        error_messages={"required": "아이디를 입력하세요.",
                        "max_length": f"아이디는 {USERNAME_MAX}자 이내로 입력하세요."},
        widget=forms.TextInput(attrs={"class": "krds-input", "autocomplete": "off", "autocapitalize": "none",
                                      "spellcheck": "false"}))
    display_name = forms.CharField(
        label="이름", max_length=50, strip=True,
        error_messages={"required": "이름을 입력하세요.", "max_length": "이름은 50자 이내로 입력하세요."},
        widget=forms.TextInput(attrs={"class": "krds-input", "autocomplete": "off"}))
    role = forms.ChoiceField(
        label="역할", choices=[("", "역할을 고르세요")] + ROLE_CHOICES,
        error_messages={"required": "역할을 고르세요.", "invalid_choice": "목록에 있는 역할을 고르세요."},
        widget=forms.Select(attrs={"class": "krds-form-select"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "new-%s")
        super().__init__(*args, **kwargs)

    def clean_username(self) -> str:
        username = str(self.cleaned_data["username"])
        User = get_user_model()
        field = User._meta.get_field(User.USERNAME_FIELD)
        # Django's rule for usernames (the user model's validators: letters, digits and @ . + - _ only).
        for validator in field.validators:
            try:
                validator(username)
            except forms.ValidationError as e:
                raise forms.ValidationError(
                    "아이디에는 글자, 숫자와 @ . + - _ 만 쓸 수 있습니다 (빈칸이나 다른 기호는 쓸 수 없습니다).") from e
        if User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists():
            raise forms.ValidationError("이미 있는 아이디입니다. 다른 아이디를 입력하세요.")
        return username


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label="역할", choices=ROLE_CHOICES,
        error_messages={"required": "역할을 고르세요.", "invalid_choice": "목록에 있는 역할을 고르세요."},
        widget=forms.Select(attrs={"class": "krds-form-select"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "role-%s")
        super().__init__(*args, **kwargs)


# --- helpers ---------------------------------------------------------------------------------------------------------


def _profile(request: StaffRequest, user_id: int) -> StaffProfile:
    """The account of this user id in the user's jurisdiction, else 404."""
    return scoped_or_404(request, StaffProfile, user_id=user_id)


def setup_url(request: HttpRequest, raw: str) -> str:
    return request.build_absolute_uri(reverse("staff:account_setup", kwargs={"token": raw}))


def _account_page(request: HttpRequest, profile: StaffProfile, *, role_form: RoleForm | None = None,
                  error: str = "", setup_link: str = "", status: int = 200) -> HttpResponse:
    user = profile.user
    pending = services.pending_request(profile)
    return render(request, "staff/users/detail.html", {
        "p": profile, "u": user,
        "locked": user.get_username() in services.locked_usernames([user.get_username()]),
        "is_self": user.pk == request.user.pk,
        "role_form": role_form or RoleForm(initial={"role": profile.role if profile.role in DATA_ROLES
                                                    or profile.role == "sysadmin" else ""}),
        "pending": pending,
        "can_decide": pending is not None and pending.requested_by != _actor(request) and user.pk != request.user.pk,
        "requests": list(profile.requests.all()[:10]),
        "password_set": user.has_usable_password(),
        "error": error, "setup_link": setup_link,
        "setup_hours": settings.JINGSU_ACCOUNT_SETUP_HOURS,
    }, status=status)


# --- views -----------------------------------------------------------------------------------------------------------


def staff_accounts(jurisdiction: Any) -> Any:
    """The office's accounts by username: the screen pages them, the XLSX holds all."""
    return StaffProfile.objects.filter(jurisdiction=jurisdiction).select_related("user").order_by("user__username")


@staff_view("manage_users")
def user_list(request: StaffRequest) -> HttpResponse:
    profiles = staff_accounts(_j(request))
    locked = services.locked_usernames(list(profiles.values_list("user__username", flat=True)))
    page, query = page_of(request, profiles)
    rows = [{"p": p, "u": p.user, "locked": p.user.get_username() in locked} for p in page]
    pending = list(AccountRequest.objects.filter(jurisdiction=_j(request), status=AccountRequest.Status.PENDING)
                   .select_related("profile__user").order_by("requested_at", "id"))
    return render(request, "staff/users/list.html", {
        "rows": rows, "page": page, "query": query, "total": page.paginator.count,
        "active_count": profiles.filter(user__is_active=True).count(), "locked_count": len(locked),
        "pending": pending,
    })


@staff_view("manage_users")
@require_http_methods(["GET", "POST"])
def user_new(request: StaffRequest) -> HttpResponse:
    """GET: the form; POST: create the account (no password, no role yet) with a role request; the set-up link
    goes to the administrator who approves it."""
    form = NewUserForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            req = services.create_account(
                d["username"], jurisdiction=_j(request), role=d["role"], display_name=d["display_name"],
                actor=_actor(request), clock=_clock)
        except IntegrityError:  # the same username created meanwhile
            form.add_error("username", "이미 있는 아이디입니다. 다른 아이디를 입력하세요.")
        else:
            return render(request, "staff/users/created.html", {
                "p": req.profile, "u": req.profile.user, "request_": req})
    return render(request, "staff/users/new.html", {"form": form, "roles": ROLES})


@staff_view("manage_users")
def user_detail(request: StaffRequest, user_id: int) -> HttpResponse:
    return _account_page(request, _profile(request, user_id))


@staff_view("manage_users")
@require_http_methods(["GET", "POST"])
def user_role(request: StaffRequest, user_id: int) -> HttpResponse:
    profile = _profile(request, user_id)
    if request.method != "POST":
        return _account_page(request, profile)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _account_page(request, profile, role_form=form, status=400)
    role = form.cleaned_data["role"]
    try:
        req = services.request_role(profile, role, actor=_actor(request), clock=_clock)
    except services.StaffAccountError as e:
        return _account_page(request, profile, role_form=form, error=str(e), status=400)
    if req is not None:
        messages.success(request, f"{profile.user.get_username()} 계정의 역할 변경 요청({ROLE_BY_CODE[role].name})을 "
                                  "남겼습니다. 다른 시스템관리자가 승인하면 바뀝니다.")
    else:
        messages.info(request, "역할이 이미 그렇게 되어 있습니다.")
    return redirect("staff:user_detail", user_id=profile.user_id)


def _decide(request: HttpRequest, user_id: int, approve: bool) -> HttpResponse:
    profile = _profile(request, user_id)
    if request.method != "POST":
        return _account_page(request, profile)
    req = services.pending_request(profile)
    if req is None:
        return _account_page(request, profile, error="승인을 기다리는 요청이 없습니다.", status=400)
    try:
        if approve:
            decision = services.approve_request(req, actor=_actor(request), clock=_clock)
        else:
            decision = services.reject_request(req, actor=_actor(request), clock=_clock)
    except services.StaffAccountError as e:
        return _account_page(request, profile, error=str(e), status=400)
    messages.success(request, f"요청({req.summary})을 " + ("승인했습니다." if approve else "반려했습니다."))
    if decision.setup_token:  # rendered into this response only (no redirect, nothing in the session)
        profile.refresh_from_db()
        return _account_page(request, profile, setup_link=setup_url(request, decision.setup_token))
    return redirect("staff:user_detail", user_id=profile.user_id)


@staff_view("manage_users")
@require_http_methods(["GET", "POST"])
def user_role_approve(request: StaffRequest, user_id: int) -> HttpResponse:
    return _decide(request, user_id, True)


@staff_view("manage_users")
@require_http_methods(["GET", "POST"])
def user_role_reject(request: StaffRequest, user_id: int) -> HttpResponse:
    return _decide(request, user_id, False)


def _set_active(request: HttpRequest, user_id: int, active: bool) -> HttpResponse:
    profile = _profile(request, user_id)
    if request.method != "POST":
        return _account_page(request, profile)
    try:
        changed = services.set_active(profile, active, actor=_actor(request), clock=_clock)
    except services.StaffAccountError as e:
        return _account_page(request, profile, error=str(e), status=400)
    name = profile.user.get_username()
    if changed:
        messages.success(request, f"{name} 계정을 다시 사용하게 했습니다." if active
                         else f"{name} 계정의 사용을 중지했습니다. 이제 로그인할 수 없습니다.")
    else:
        messages.info(request, "계정이 이미 그 상태입니다.")
    return redirect("staff:user_detail", user_id=profile.user_id)


@staff_view("manage_users")
@require_http_methods(["GET", "POST"])
def user_deactivate(request: StaffRequest, user_id: int) -> HttpResponse:
    return _set_active(request, user_id, False)


@staff_view("manage_users")
@require_http_methods(["GET", "POST"])
def user_activate(request: StaffRequest, user_id: int) -> HttpResponse:
    return _set_active(request, user_id, True)


@staff_view("manage_users")
@require_http_methods(["GET", "POST"])
def user_password(request: StaffRequest, user_id: int) -> HttpResponse:
    """POST: another account's reset is a request that a second administrator approves (the approval issues the
    set-up link, to the approver, and tells the owner). One's own reset is made at once and its link shown here."""
    profile = _profile(request, user_id)
    if request.method != "POST":
        return _account_page(request, profile)
    if profile.user.pk != request.user.pk:
        try:
            services.request_password_reset(profile, actor=_actor(request), clock=_clock)
        except services.StaffAccountError as e:
            return _account_page(request, profile, error=str(e), status=400)
        messages.success(request, f"{profile.user.get_username()} 계정의 비밀번호 초기화 요청을 남겼습니다. 다른 "
                                  "시스템관리자가 승인하면 그 관리자에게 설정 링크가 보입니다.")
        return redirect("staff:user_detail", user_id=profile.user_id)
    raw = services.reset_own_password(profile, actor=_actor(request), clock=_clock)
    profile.refresh_from_db()
    update_session_auth_hash(request, profile.user)  # resetting one's own password keeps this session
    return _account_page(request, profile, setup_link=setup_url(request, raw))


@staff_view("manage_users")
@require_http_methods(["GET", "POST"])
def user_unlock(request: StaffRequest, user_id: int) -> HttpResponse:
    profile = _profile(request, user_id)
    if request.method != "POST":
        return _account_page(request, profile)
    services.unlock(profile, actor=_actor(request), clock=_clock)
    messages.success(request, f"{profile.user.get_username()} 계정의 로그인 잠김을 풀었습니다.")
    return redirect("staff:user_detail", user_id=profile.user_id)


# --- the owner's side ------------------------------------------------------------------------------------------------


@staff_view("use_console")
def my_account(request: StaffRequest) -> HttpResponse:
    """Any staff member's own account: role, a pending role request, and every notice about the account."""
    profile = request.staff
    return render(request, "staff/users/mine.html", {
        "p": profile, "u": request.user, "pending": services.pending_request(profile),
        "notices": list(AccountNotice.objects.filter(user=request.user)[:50]),
    })


class _SetupForm(SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "새 비밀번호"
        self.fields["new_password2"].label = "새 비밀번호 확인"
        self.fields["new_password1"].help_text = ("10자 이상. 아이디나 이름과 비슷하거나, 흔하거나, 숫자만으로 된 "
                                                  "비밀번호는 쓸 수 없습니다.")
        for f in self.fields.values():
            f.widget.attrs["class"] = "krds-input"
        self.error_messages = {**self.error_messages, "password_mismatch": "두 비밀번호가 같지 않습니다."}


@public_view
@require_http_methods(["GET", "POST"])
def account_setup(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time link: the owner chooses their password. Invalid, used, revoked or expired links get 404 with a
    Korean page (the same for each, so the page does not tell which)."""
    row: AccountSetupToken | None = services.valid_setup_token(token, clock=_clock)
    if row is None:
        return render(request, "staff/users/setup_invalid.html", status=404)
    form = _SetupForm(row.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_setup(token, form.cleaned_data["new_password1"], clock=_clock)
        except services.StaffAccountError:
            return render(request, "staff/users/setup_invalid.html", status=404)
        messages.success(request, "비밀번호를 정했습니다. 이제 로그인하세요.")
        return redirect("staff:login")
    return render(request, "staff/users/setup.html", {"form": form, "u": row.user, "t": row},
                  status=400 if request.method == "POST" else 200)


class _ChangeForm(PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "지금 비밀번호"
        self.fields["new_password1"].label = "새 비밀번호"
        self.fields["new_password2"].label = "새 비밀번호 확인"
        self.fields["new_password1"].help_text = ("10자 이상. 아이디나 이름과 비슷하거나, 흔하거나, 숫자만으로 된 "
                                                  "비밀번호는 쓸 수 없습니다.")
        for f in self.fields.values():
            f.widget.attrs["class"] = "krds-input"
        self.error_messages = {**self.error_messages, "password_mismatch": "두 비밀번호가 같지 않습니다.",
                               "password_incorrect": "지금 비밀번호가 맞지 않습니다."}


@staff_view("use_console")
@require_http_methods(["GET", "POST"])
def my_password(request: StaffRequest) -> HttpResponse:
    """Change one's own password (the current one first; Django's validators: length, not like the username or
    name, not common, not only digits). The session stays signed in; audited."""
    form = _ChangeForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.change_own_password(request.staff, form.cleaned_data["new_password1"],
                                     clock=_clock)
        update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
        messages.success(request, "비밀번호를 바꿨습니다.")
        return redirect("staff:account")
    return render(request, "staff/users/password_change.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


urlpatterns: list[URLPattern] = [
    path("account/", my_account, name="account"),
    path("account/password/", my_password, name="account_password"),
    path("setup/<str:token>/", account_setup, name="account_setup"),
    path("users/", user_list, name="users"),
    path("users/new/", user_new, name="user_new"),
    path("users/<int:user_id>/", user_detail, name="user_detail"),
    path("users/<int:user_id>/role/", user_role, name="user_role"),
    path("users/<int:user_id>/role/approve/", user_role_approve, name="user_role_approve"),
    path("users/<int:user_id>/role/reject/", user_role_reject, name="user_role_reject"),
    path("users/<int:user_id>/deactivate/", user_deactivate, name="user_deactivate"),
    path("users/<int:user_id>/activate/", user_activate, name="user_activate"),
    path("users/<int:user_id>/password/", user_password, name="user_password"),
    path("users/<int:user_id>/unlock/", user_unlock, name="user_unlock"),
]
