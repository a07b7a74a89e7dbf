"""직원 계정 관리 (issue #8 item 1) in the staff console, under /staff/users/, for `manage_users` (시스템관리자).

- the list of the jurisdiction's staff accounts (username, name, role, active, django-axes lockout, last login,
  created);
- a new account: username, name and role; the password is generated (`services.generate_password`) and rendered into
  the POST's response only — no redirect, nothing in the session or the messages framework, no-store;
- the account page: change the role, deactivate or reactivate, reset the password (shown once, like a new one),
  lift a lockout.

Every change is a POST (CSRF) to its own URL; GET of that URL shows the account page with its forms (the URL walker
expects 200). Accounts are found through the user's jurisdiction (`scoped_or_404` on `StaffProfile`), so another
jurisdiction's `user_id` is 404. Each change is one service call in `staff/services.py` (atomic, with its audit row);
the refusals (`StaffAccountError`: an administrator deactivating themselves or removing their own `manage_users`)
are shown on the page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from jingsu.staff import services
from jingsu.staff.access import CONSOLE_CLOCK as _clock
from jingsu.staff.access import actor as _actor
from jingsu.staff.access import jurisdiction_of as _j
from jingsu.staff.access import scoped_or_404, staff_view
from jingsu.staff.models import StaffProfile
from jingsu.staff.roles import ROLE_BY_CODE, ROLE_CHOICES

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


def _profile(request: HttpRequest, user_id: int) -> StaffProfile:
    """The account of this user id in the user's jurisdiction, else 404."""
    return scoped_or_404(request, StaffProfile, user_id=user_id)


def _account_page(request: HttpRequest, profile: StaffProfile, *, role_form: RoleForm | None = None,
                  error: str = "", new_password: str = "", status: int = 200) -> HttpResponse:
    user = profile.user
    return render(request, "staff/users/detail.html", {
        "p": profile, "u": user,
        "locked": user.get_username() in services.locked_usernames([user.get_username()], clock=_clock),
        "is_self": user.pk == request.user.pk,
        "role_form": role_form or RoleForm(initial={"role": profile.role}),
        "error": error, "new_password": new_password,
    }, status=status)


# --- views -----------------------------------------------------------------------------------------------------------


@staff_view("manage_users")
def user_list(request: HttpRequest) -> HttpResponse:
    profiles = list(StaffProfile.objects.filter(jurisdiction=_j(request)).select_related("user")
                    .order_by("user__username"))
    locked = services.locked_usernames([p.user.get_username() for p in profiles], clock=_clock)
    rows = [{"p": p, "u": p.user, "locked": p.user.get_username() in locked} for p in profiles]
    return render(request, "staff/users/list.html", {
        "rows": rows, "active_count": sum(1 for r in rows if r["u"].is_active), "locked_count": len(locked),
    })


@staff_view("manage_users")
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: create the account and show its generated password in this response only."""
    form = NewUserForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        password = services.generate_password()
        try:
            profile = services.create_staff_user(
                d["username"], jurisdiction=_j(request), role=d["role"], password=password,
                display_name=d["display_name"], actor=_actor(request), clock=_clock)
        except IntegrityError:  # the same username created meanwhile
            form.add_error("username", "이미 있는 아이디입니다. 다른 아이디를 입력하세요.")
        else:
            return render(request, "staff/users/created.html", {
                "p": profile, "u": profile.user, "new_password": password})
    return render(request, "staff/users/new.html", {"form": form, "roles": ROLE_BY_CODE.values()})


@staff_view("manage_users")
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    return _account_page(request, _profile(request, user_id))


@staff_view("manage_users")
@require_http_methods(["GET", "POST"])
def user_role(request: HttpRequest, user_id: int) -> HttpResponse:
    profile = _profile(request, user_id)
    if request.method != "POST":
        return _account_page(request, profile)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _account_page(request, profile, role_form=form, status=400)
    role = form.cleaned_data["role"]
    try:
        changed = services.change_role(profile, role, actor=_actor(request), clock=_clock)
    except services.StaffAccountError as e:
        return _account_page(request, profile, role_form=form, error=str(e), status=400)
    if changed:
        messages.success(request, f"{profile.user.get_username()} 계정의 역할을 {ROLE_BY_CODE[role].name}(으)로 "
                                  "바꿨습니다.")
    else:
        messages.info(request, "역할이 이미 그렇게 되어 있습니다.")
    return redirect("staff:user_detail", user_id=profile.user_id)


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
def user_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _set_active(request, user_id, False)


@staff_view("manage_users")
@require_http_methods(["GET", "POST"])
def user_activate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _set_active(request, user_id, True)


@staff_view("manage_users")
@require_http_methods(["GET", "POST"])
def user_password(request: HttpRequest, user_id: int) -> HttpResponse:
    """POST: a new generated password, rendered into this response only (like a new account's)."""
    profile = _profile(request, user_id)
    if request.method != "POST":
        return _account_page(request, profile)
    password = services.generate_password()
    services.reset_password(profile, password, actor=_actor(request), clock=_clock)
    if profile.user.pk == request.user.pk:  # resetting one's own password keeps this session
        update_session_auth_hash(request, profile.user)
    return _account_page(request, profile, new_password=password)


@staff_view("manage_users")
@require_http_methods(["GET", "POST"])
def user_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    profile = _profile(request, user_id)
    if request.method != "POST":
        return _account_page(request, profile)
    services.unlock(profile, actor=_actor(request), clock=_clock)
    messages.success(request, f"{profile.user.get_username()} 계정의 로그인 잠김을 풀었습니다.")
    return redirect("staff:user_detail", user_id=profile.user_id)


urlpatterns: list[URLPattern] = [
    path("users/", user_list, name="users"),
    path("users/new/", user_new, name="user_new"),
    path("users/<int:user_id>/", user_detail, name="user_detail"),
    path("users/<int:user_id>/role/", user_role, name="user_role"),
    path("users/<int:user_id>/deactivate/", user_deactivate, name="user_deactivate"),
    path("users/<int:user_id>/activate/", user_activate, name="user_activate"),
    path("users/<int:user_id>/password/", user_password, name="user_password"),
    path("users/<int:user_id>/unlock/", user_unlock, name="user_unlock"),
]
