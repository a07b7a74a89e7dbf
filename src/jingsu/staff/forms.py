from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

REASON_MIN = 5


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "아이디 또는 비밀번호가 맞지 않습니다. 5번 틀리면 15분 동안 로그인할 수 없습니다.",
        "inactive": "사용이 중지된 계정입니다. 시스템관리자에게 문의하세요.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "아이디"
        self.fields["password"].label = "비밀번호"
        for field in self.fields.values():
            field.widget.attrs["class"] = "krds-input"


class SearchForm(forms.Form):
    BY_CHOICES = [
        ("auto", "자동 판별"),
        ("name", "성명"),
        ("tax_number", "과세번호"),
        ("payment_number", "전자납부번호"),
        ("registration", "등록번호(가린 번호 또는 전체 번호)"),
    ]
    q = forms.CharField(label="검색어", max_length=100, strip=True)
    by = forms.ChoiceField(label="검색 기준", choices=BY_CHOICES, initial="auto", required=False)


class RevealForm(forms.Form):
    reason = forms.CharField(
        label="열람 사유", min_length=REASON_MIN, max_length=200, strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "class": "krds-input"}),
        error_messages={
            "required": "열람 사유를 입력해야 합니다.",
            "min_length": f"열람 사유를 {REASON_MIN}자 이상 구체적으로 입력하세요.",
        },
    )


class KrdsCheckboxes(forms.CheckboxSelectMultiple):
    """Check boxes in KRDS markup (`.krds-form-check`: the input, then its label), which draws the box on the label;
    Django's default markup (the input inside the label) leaves KRDS's boxes undrawn."""

    template_name = "staff/widgets/krds_choices.html"
    option_template_name = "staff/widgets/krds_option.html"


class KrdsRadios(forms.RadioSelect):
    """Radio buttons in KRDS markup (see KrdsCheckboxes)."""

    template_name = "staff/widgets/krds_choices.html"
    option_template_name = "staff/widgets/krds_option.html"


def krds_classes(form: forms.Form) -> None:
    """KRDS classes on a form's widgets, as the console's other forms have them: `krds-form-select` on drop-down
    lists, `krds-input` on text, number, date and time inputs and text areas; check boxes and radio buttons keep
    their KRDS markup (KrdsCheckboxes, KrdsRadios), hidden inputs nothing."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput | forms.CheckboxInput | forms.RadioSelect):
            continue  # RadioSelect covers CheckboxSelectMultiple too
        css = "krds-form-select" if isinstance(widget, forms.Select) else "krds-input"
        classes = widget.attrs.get("class", "").split()
        if css not in classes:
            widget.attrs["class"] = " ".join([*classes, css])
