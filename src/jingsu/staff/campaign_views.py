"""안내 캠페인 (issue #8 item 3) in the staff console: the jurisdiction's campaigns, a new campaign in five steps (a sixth, 문구 실험, for an 안내문)
with a live count (kind → conditions → channels and fallback → control group → template), one campaign (summary,
alert, the sample document as the citizen receives it, approve, send now or at a time, pause, resume, cancel) and
its delivery progress.

Permissions: reading (list, page, progress JSON) needs `view_reports` — the one existing permission that both the
maker (담당자, `prepare_campaign`) and the checker (팀장, `approve_campaign`) hold, and that already reads campaigns
on the effect screens; preparing needs `prepare_campaign`; approving, sending, scheduling, pausing, resuming and
cancelling need `approve_campaign` (the 팀장 answers for what goes out); recording an experiment's
pre-registration (the wizard's step 6 sets its arms, the page's 실험 section records the design) needs
`prepare_campaign`. The rules (filters, build, maker-checker,
sending, control, experiments) are jingsu.notices.services, jingsu.notices.experiments, jingsu.delivery.services and
jingsu.delivery.control; nothing is re-implemented here."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from csp.constants import NONE as NONE_SRC
from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django import forms
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from jingsu.clock import SEOUL
from jingsu.clock import today as clock_today
from jingsu.core import audit
from jingsu.core.formats import kdate
from jingsu.delivery import control
from jingsu.delivery.models import AttemptStatus, Channel
from jingsu.delivery.services import expected_split
from jingsu.korean import josa
from jingsu.law.tax_items import TAX_ITEMS
from jingsu.levies.models import Levy
from jingsu.notices import experiments
from jingsu.notices import services as campaigns
from jingsu.notices.documents import MEASURES, measure_content
from jingsu.notices.experiments import ArmSpec, ExperimentError
from jingsu.notices.models import (
    PAPER_LAST,
    Arm,
    Campaign,
    Experiment,
    MailClass,
    Notice,
    NoticeLine,
    NoticeTemplate,
)
from jingsu.staff.access import (
    CONSOLE_CLOCK as _clock,  # the runtime's clock (core.runtime); tests install their own
)
from jingsu.staff.access import StaffRequest, scoped_or_404, staff_view
from jingsu.staff.access import actor as _actor
from jingsu.staff.forms import KrdsCheckboxes, KrdsRadios, krds_classes
from jingsu.staff.paging import page_of

NO_CHANNEL = [("", "(없음)")]
SEED_SALT = "jingsu.staff.campaign-control-seed"
#: what the console shows in the SMS text where each notice's own portal address will go
LINK_SHOWN = "(열람 주소)"
CHANNEL_STEPS = 4


#: The kinds the wizard offers: those built from arrears filters. The enforcement steps (Campaign.MEASURE_KINDS) are
#: made from an enforcement case, for its taxpayers and the measure's date (notices.services.create_campaign).
WIZARD_KINDS = [(v, label) for v, label in Campaign.Kind.choices if v not in Campaign.MEASURE_KINDS]
#: The kinds whose wording may be tried in an experiment (notices.experiments: 안내문 only; the law fixes the others)
INFORMATIONAL_KINDS = [k.value for k, nature in Campaign.NATURE_OF_KIND.items()
                       if nature == Campaign.LegalNature.NOTICE]
#: The wizard's arms besides A (A is the campaign's own template): B, and optionally C
EXTRA_ARMS = ("b", "c")
ARM_SEND_AT_FORMAT = "%Y-%m-%dT%H:%M"
#: the wizard's step 6 fields besides its check box
EXPERIMENT_FIELDS = ["arm_a_name", "arm_a_share", "stratify"] + [
    f"arm_{key}_{n}" for key in EXTRA_ARMS
    for n in ("name", "template", "share", "send_at", *(f"channel_{i}" for i in range(1, CHANNEL_STEPS + 1)))]


def experiment_refusal() -> str:
    """Why the wizard offers no experiment for a 고지서·독촉장 kind (the wizard's formal kinds named)."""
    formal = [label for v, label in WIZARD_KINDS if v not in INFORMATIONAL_KINDS]
    informational = [label for v, label in WIZARD_KINDS if v in INFORMATIONAL_KINDS]
    return (f"{josa(', '.join(formal), '은')} 법이 정한 서류라 문구 실험을 할 수 없습니다. 비교군은 안내문"
            f"({', '.join(informational)})에만 둘 수 있습니다.")


def _template_label(t: NoticeTemplate) -> str:
    """A version as the wizard's lists show it: the wording's style first (what tells the versions apart in a
    narrow list), then the version and its name."""
    return f"{t.get_style_display()} · {t.label}"


class TemplateSelect(forms.Select):
    """A template version's drop-down list whose options carry their kind (`data-kind`), so that the wizard's script
    offers only the versions of the chosen kind."""

    def create_option(self, name: str, value: Any, label: Any, selected: Any, index: int, subindex: int | None = None,
                      attrs: dict[str, Any] | None = None) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-kind"] = instance.kind
        return option


def arm_fields(key: str) -> dict[str, forms.Field]:
    """The wizard's fields of one more arm (B or C): its name, template version (the active versions of the
    informational kinds; it must be of the campaign's kind), share, optional channel order (as the campaign's:
    steps 1–4, empty for the campaign's own order) and optional send moment."""
    label = key.upper()
    template = forms.ModelChoiceField(
        label=f"비교군 {label} 서식 판", required=False, empty_label="(고르세요)", widget=TemplateSelect,
        queryset=NoticeTemplate.objects.filter(active=True, kind__in=INFORMATIONAL_KINDS).order_by("kind", "-version"),
        help_text="캠페인 종류와 같은 종류의 서식 판을 고르세요.")
    template.label_from_instance = _template_label  # type: ignore[attr-defined]
    fields: dict[str, forms.Field] = {
        f"arm_{key}_name": forms.CharField(label=f"비교군 {label} 이름", max_length=100, required=False),
        f"arm_{key}_template": template,
        f"arm_{key}_share": forms.IntegerField(label=f"비교군 {label} 배정 비율(%)", min_value=1, max_value=100,
                                               required=False),
        f"arm_{key}_send_at": forms.DateTimeField(
            label=f"비교군 {label} 발송 시각", required=False, input_formats=[ARM_SEND_AT_FORMAT, "%Y-%m-%d %H:%M"],
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=ARM_SEND_AT_FORMAT),
            help_text="비우면 캠페인과 함께 보냅니다. 정하면 그 시각부터 발송 시간대 안에서 보냅니다(한국 시각)."),
    }
    for i in range(1, CHANNEL_STEPS + 1):
        empty = [("", "(캠페인과 같은 순서)")] if i == 1 else NO_CHANNEL
        fields[f"arm_{key}_channel_{i}"] = forms.ChoiceField(
            label=f"비교군 {label} {i}순위 채널", choices=empty + Channel.choices, required=False,
            help_text="비우면 캠페인의 발송 채널 순서를 따릅니다." if i == 1 else "")
    return fields


class CampaignForm(forms.Form):
    """The new-campaign wizard's fields, grouped in `STEPS` (one fieldset each on the page)."""

    kind = forms.ChoiceField(label="종류", choices=WIZARD_KINDS, initial=Campaign.Kind.ARREARS)
    name = forms.CharField(label="캠페인 이름", max_length=100)
    as_of = forms.DateField(label="기준일", widget=forms.DateInput(attrs={"type": "date"}),
                            help_text="체납액과 가산금·납부지연가산세를 이 날짜 기준으로 계산합니다.")
    tax_items = forms.MultipleChoiceField(
        label="세목", required=False, widget=KrdsCheckboxes,
        choices=[(code, f"{item.name} ({code})") for code, item in TAX_ITEMS.items()],
        help_text="고르지 않으면 모든 세목입니다.")
    min_amount = forms.IntegerField(label="체납액 하한(원)", min_value=0, required=False,
                                    help_text="납세자별 합계(세액 + 가산금·납부지연가산세) 기준")
    max_amount = forms.IntegerField(label="체납액 상한(원)", min_value=0, required=False)
    min_age = forms.IntegerField(label="체납 연차 하한", min_value=0, required=False,
                                 help_text="0은 현년도 체납, 1 이상은 지난년도 체납")
    max_age = forms.IntegerField(label="체납 연차 상한", min_value=0, required=False)
    include_statuses = forms.MultipleChoiceField(
        label="포함할 상태", required=False, widget=KrdsCheckboxes,
        choices=[(s.value, s.label) for s in campaigns.EXCLUDED_BY_DEFAULT],
        help_text="징수유예·분할납부·불복 중인 부과 건은 고르지 않으면 빠집니다.")
    channel_1 = forms.ChoiceField(label="1순위 채널", choices=Channel.choices, initial=Channel.values[0],
                                  help_text="카카오톡·KT는 연계정보로 받는 사람을 찾을 수 있을 때만 씁니다. 안 되면 다음 순위로 넘어갑니다.")
    channel_2 = forms.ChoiceField(label="2순위 채널", choices=NO_CHANNEL + Channel.choices, initial=Channel.values[1],
                                  required=False)
    channel_3 = forms.ChoiceField(label="3순위 채널", choices=NO_CHANNEL + Channel.choices, initial=Channel.values[2],
                                  required=False)
    channel_4 = forms.ChoiceField(label="4순위 채널", choices=NO_CHANNEL + Channel.choices, initial=Channel.values[3],
                                  required=False, help_text="열람 기한이 지나도 읽지 않으면 마지막에는 종이 우편으로 보냅니다.")
    fallback_hours = forms.IntegerField(label="다음 채널까지 기다릴 시간(시간)", min_value=1, max_value=168, initial=24,
                                        help_text="도달했지만 읽지 않은 안내문을 이 시간 뒤 다음 채널로 보냅니다 (1–168).")
    read_deadline_days = forms.IntegerField(label="열람 기한(일)", min_value=1, max_value=30, initial=7,
                                            help_text="1–30일. 지나면 전자 안내는 만료되고 종이로 보냅니다.")
    send_window_start = forms.TimeField(label="발송 시작 시각", initial="09:00",
                                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    send_window_end = forms.TimeField(label="발송 종료 시각", initial="20:00",
                                      widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                                      help_text="이 시간 밖과 공휴일에는 보내지 않고 기다립니다 (한국 시각).")
    mail_class = forms.ChoiceField(label="종이 우편 종류", choices=MailClass.choices, initial=MailClass.ORDINARY)
    control_share = forms.IntegerField(label="대조군 비율(%)", min_value=0, max_value=50, initial=0,
                                       help_text="0–50. 대조군은 발송하지 않고 효과 비교에만 씁니다.")
    template = forms.ModelChoiceField(label="문서 서식", required=False, empty_label="(이 종류의 기본 서식 최신판)",
                                      queryset=NoticeTemplate.objects.none(),
                                      help_text="비우면 고른 종류의 최신 서식을 씁니다. 캠페인을 만든 뒤에는 바꿀 수 없습니다.")
    # the control group's seed, signed: the preview and the build draw the same group (notices.services)
    control_seed = forms.CharField(required=False, widget=forms.HiddenInput)
    pay_by = forms.DateField(label="안내문에 적을 납부기한", required=False,
                             widget=forms.DateInput(attrs={"type": "date"}),
                             help_text="비우면 기준일 + 14일. 독촉장은 발급일부터 20일 안이어야 합니다(지방세징수법 제32조③).")
    # 6. 문구 실험 (notices.experiments): A is the campaign's template; B and C are added in __init__ (arm_fields)
    experiment = forms.BooleanField(label="비교군을 두어 문구를 실험합니다", required=False)
    arm_a_name = forms.CharField(label="비교군 A 이름", max_length=100, required=False, initial="기본 문구")
    arm_a_share = forms.IntegerField(label="비교군 A 배정 비율(%)", min_value=1, max_value=100, required=False,
                                     help_text="비교군 A는 5단계에서 고른 서식(캠페인 서식)으로 보냅니다.")
    stratify = forms.MultipleChoiceField(
        label="층화 기준", required=False, widget=KrdsCheckboxes, choices=Experiment.Stratum.choices,
        help_text="고른 기준의 구간마다 비교군을 고르게 나눕니다(예: 체납액이 큰 사람이 한 비교군에 몰리지 않게).")

    STEPS = (
        ("1. 종류", ("kind", "name", "as_of")),
        ("2. 대상 조건", ("tax_items", "min_amount", "max_amount", "min_age", "max_age", "include_statuses")),
        ("3. 발송 채널과 재발송", ("channel_1", "channel_2", "channel_3", "channel_4", "fallback_hours",
                             "read_deadline_days", "send_window_start", "send_window_end", "mail_class")),
        ("4. 대조군", ("control_share",)),
        ("5. 서식과 납부기한", ("template", "pay_by")),
    )
    # what the live preview fills in when the page has not sent a field (the service's defaults)
    PREVIEW_DEFAULTS = {"kind": Campaign.Kind.ARREARS, "control_share": "0", "name": "미리보기",
                        "channel_1": Channel.values[0], "fallback_hours": "24", "read_deadline_days": "7",
                        "send_window_start": "09:00", "send_window_end": "20:00", "mail_class": MailClass.ORDINARY}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = NoticeTemplate.objects.filter(active=True).exclude(
            kind__in=Campaign.MEASURE_KINDS).order_by("kind", "-version")
        self.fields["template"].label_from_instance = _template_label  # type: ignore[attr-defined]
        for key in EXTRA_ARMS:
            self.fields.update(arm_fields(key))
        krds_classes(self)  # KRDS inputs, as the console's other forms (issue #14)

    def steps(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.STEPS]

    # --- 6. 문구 실험 ---------------------------------------------------------------------------------------------

    def experiment_arms(self) -> list[tuple[str, str, list[forms.BoundField], list[forms.BoundField]]]:
        """The step's arms for the page: (label, title, fields, channel fields)."""
        out = [("A", "비교군 A (캠페인 서식)", [self["arm_a_name"], self["arm_a_share"]], [])]
        for key in EXTRA_ARMS:
            label = key.upper()
            title = f"비교군 {label}" + (" (선택)" if key != EXTRA_ARMS[0] else "")
            out.append((label, title, [self[f"arm_{key}_{n}"] for n in ("name", "template", "share", "send_at")],
                        [self[f"arm_{key}_channel_{i}"] for i in range(1, CHANNEL_STEPS + 1)]))
        return out

    def experiment_allowed(self) -> bool:
        """Whether the chosen kind (the posted one, else the initial one) may have an experiment."""
        kind = self.data.get("kind") if self.is_bound else self.initial.get("kind", self.fields["kind"].initial)
        return kind in INFORMATIONAL_KINDS

    def _arm_given(self, key: str) -> bool:
        d = self.cleaned_data
        return any(d.get(f"arm_{key}_{n}") not in (None, "") for n in ("name", "template", "share", "send_at")) or \
            any(d.get(f"arm_{key}_channel_{i}") for i in range(1, CHANNEL_STEPS + 1))

    def _clean_experiment(self, data: dict[str, Any]) -> None:
        if data.get("kind") and data["kind"] not in INFORMATIONAL_KINDS:
            self.add_error("experiment", experiment_refusal())
            return
        for key in ("a", *EXTRA_ARMS):
            if key == EXTRA_ARMS[-1] and not self._arm_given(key):
                continue  # 비교군 C is optional
            label = key.upper()
            if not (data.get(f"arm_{key}_name") or "").strip():
                self.add_error(f"arm_{key}_name", f"비교군 {label}의 이름을 입력하세요.")
            if key != "a" and data.get(f"arm_{key}_template") is None and f"arm_{key}_template" not in self.errors:
                self.add_error(f"arm_{key}_template", f"비교군 {label}의 서식 판을 고르세요.")
            if data.get(f"arm_{key}_share") is None and f"arm_{key}_share" not in self.errors:
                self.add_error(f"arm_{key}_share", f"비교군 {label}의 배정 비율을 입력하세요.")
            if key != "a":
                self._check_channel_steps(data, f"arm_{key}_channel_")

    def experiment_field(self, message: str) -> str:
        """The wizard's field a notices.experiments refusal is about (its message names the arm and what is wrong)."""
        m = re.match(r"비교군 ([A-E]): (.*)", message)
        if m:
            key, what = m.group(1).lower(), m.group(2)
            if key not in ("a", *EXTRA_ARMS):
                return "experiment"
            for start, name in (("이름", "name"), ("배정 비율", "share"), ("발송 시각", "send_at")):
                if what.startswith(start):
                    return f"arm_{key}_{name}" if (key != "a" or name != "send_at") else "experiment"
            return "template" if key == "a" else f"arm_{key}_template"  # the template: its kind, use or items
        if "합계" in message:
            return "arm_a_share"
        if "층화" in message:
            return "stratify"
        return "experiment"

    def arm_specs(self, campaign: Campaign) -> list[ArmSpec]:
        """The arms chosen, for notices.experiments.set_arms; empty without an experiment."""
        d = self.cleaned_data
        if not d.get("experiment"):
            return []
        specs = [ArmSpec(d.get("arm_a_name") or "", campaign.template, d.get("arm_a_share") or 0)]
        for key in EXTRA_ARMS:
            if key == EXTRA_ARMS[-1] and not self._arm_given(key):
                continue
            specs.append(ArmSpec(d.get(f"arm_{key}_name") or "", d[f"arm_{key}_template"],
                                 d.get(f"arm_{key}_share") or 0,
                                 channels=self.channels(f"arm_{key}_channel_") or None,
                                 send_at=d.get(f"arm_{key}_send_at")))
        return specs

    @staticmethod
    def new_seed() -> str:
        """A fresh control-group seed for the page, signed so that it cannot be chosen by hand."""
        return signing.dumps(secrets.randbits(48), salt=SEED_SALT)

    def clean_control_seed(self) -> int | None:
        raw = self.cleaned_data.get("control_seed") or ""
        if not raw:
            return None
        try:
            return int(signing.loads(raw, salt=SEED_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            raise forms.ValidationError("화면을 새로 고친 뒤 다시 만드세요 (대조군 추첨 값이 맞지 않습니다).") from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for low, high, label in (("min_amount", "max_amount", "체납액"), ("min_age", "max_age", "체납 연차")):
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, f"{label} 상한이 하한보다 작습니다.")
        self._check_channel_steps(data, "channel_")
        start, end = data.get("send_window_start"), data.get("send_window_end")
        if start is not None and end is not None and start >= end:
            self.add_error("send_window_end", "발송 종료 시각은 시작 시각보다 늦어야 합니다.")
        t = data.get("template")
        if t is not None and data.get("kind") and t.kind != data["kind"]:
            self.add_error("template", f"고른 서식은 '{Campaign.Kind(t.kind).label}' 서식입니다. 종류와 같은 서식을 고르세요.")
        if data.get("experiment"):
            self._clean_experiment(data)
        else:  # the step's fields mean nothing without the check box: what they hold is neither kept nor refused
            for name in EXPERIMENT_FIELDS:
                self._errors.pop(name, None)
                data.pop(name, None)
        return data

    def _check_channel_steps(self, data: dict[str, Any], prefix: str) -> None:
        """A channel order chosen in steps `prefix`1…4: no channel twice, paper last."""
        chosen = [data.get(f"{prefix}{i}") for i in range(1, CHANNEL_STEPS + 1)]
        seen: set[str] = set()
        for i, ch in enumerate(chosen, start=1):
            if ch and ch in seen:
                self.add_error(f"{prefix}{i}", f"{josa(Channel(ch).label, '을')} 두 번 골랐습니다.")
            if ch:
                seen.add(ch)
        given = [(i, ch) for i, ch in enumerate(chosen, start=1) if ch]
        if any(ch == Channel.PAPER for _, ch in given[:-1]):
            i = next(i for i, ch in given if ch == Channel.PAPER)
            self.add_error(f"{prefix}{i}", PAPER_LAST)

    def channels(self, prefix: str = "channel_") -> list[str]:
        """The channel order, in the order chosen, without the empty steps."""
        return [c for i in range(1, CHANNEL_STEPS + 1) if (c := self.cleaned_data.get(f"{prefix}{i}"))]

    def filters(self) -> dict[str, Any]:
        """The `filters` of notices.services.create_campaign (only the keys that were given)."""
        d = self.cleaned_data
        out: dict[str, Any] = {}
        for key in ("tax_items", "include_statuses"):
            if d.get(key):
                out[key] = list(d[key])
        for key in ("min_amount", "max_amount", "min_age", "max_age"):
            if d.get(key) is not None:
                out[key] = d[key]
        return out

    def create(self, request: HttpRequest, *, name: str | None = None) -> Campaign:
        """notices.services.create_campaign with the form's values (raises CampaignError), then the experiment's
        arms when asked for (notices.experiments.set_arms; raises ExperimentError). Call it inside a transaction."""
        campaign = self._create(request, name=name)
        specs = self.arm_specs(campaign)
        if specs:
            experiments.set_arms(campaign, specs, stratify=list(self.cleaned_data.get("stratify") or []),
                                 actor=_actor(request), clock=_clock)
        return campaign

    def _create(self, request: HttpRequest, *, name: str | None = None) -> Campaign:
        d = self.cleaned_data
        return campaigns.create_campaign(
            request.jurisdiction, name=name or d["name"], kind=d["kind"], as_of=d["as_of"],
            actor=_actor(request), filters=self.filters(), control_share=d["control_share"],
            read_deadline_days=d["read_deadline_days"], fallback_hours=d["fallback_hours"], clock=_clock,
            template=d.get("template"), pay_by=d.get("pay_by"), send_window_start=d["send_window_start"],
            send_window_end=d["send_window_end"], channels=self.channels(), mail_class=d["mail_class"],
            control_seed=d.get("control_seed"))


@dataclass
class Preview:
    """What building the campaign would give (counts and total), the alert every taxpayer would get, and — when
    asked — the document of the first taxpayer of the selection outside the control group, rendered as sent."""

    summary: campaigns.BuildSummary
    estimate: bool = False  # too large to build live: SQL figures (before the amount filter, stored penalties)
    alert: Any = None  # documents.Alert
    alert_error: str = ""
    document_html: str = ""
    taxpayer_id: int | None = None
    reference: str = ""
    split: Any = None  # delivery.services.ChannelSplit of the notices outside the control group
    split_rows: dict[str, Any] = field(default_factory=dict)


def quick_summary(selected: Any, control_share: int) -> campaigns.BuildSummary:
    """Figures for a selection too large to build live, from SQL alone: taxpayers and levies before the per-taxpayer
    amount filter, and what is owed with the penalty stored at import (not recomputed for the 기준일)."""
    from django.db.models import Count, Sum

    from jingsu.levies.models import owed_expression

    agg = selected.order_by().aggregate(
        levies=Count("id"), taxpayers=Count("taxpayer_id", distinct=True), owed=Sum(owed_expression()))
    taxpayers = agg["taxpayers"] or 0
    return campaigns.BuildSummary(notices=taxpayers, control=taxpayers * control_share // 100,
                                  lines=agg["levies"] or 0, total_amount=int(agg["owed"] or 0))


class _RollBack(Exception):
    def __init__(self, preview: Preview) -> None:
        self.preview = preview


def preview_campaign(request: HttpRequest, form: CampaignForm, *, document: bool = False) -> Preview:
    """Build the campaign inside a savepoint that is always rolled back: the same selection, per-taxpayer amount
    filter, control group, alert and document as the real build (nothing duplicated here), and nothing written (the
    audit rows roll back too)."""
    from django.conf import settings

    from jingsu.notices.documents import TemplateError, render_alert, render_html

    try:
        with transaction.atomic():
            c = form.create(request, name=form.cleaned_data.get("name") or "미리보기")
            selected = campaigns.select_arrears(c)
            if selected.count() > settings.JINGSU_CAMPAIGN_PREVIEW_LIMIT:
                out = Preview(quick_summary(selected, c.control_share), estimate=True)
                out.split = expected_split(c, selected.values("taxpayer_id"))
            else:
                try:
                    out = Preview(campaigns.build_campaign(c, actor=_actor(request), clock=_clock))
                except campaigns.CampaignError:
                    out = Preview(campaigns.BuildSummary(0, 0, 0, 0))
                out.split = expected_split(c, Notice.objects.filter(campaign=c, control_group=False)
                                           .values("taxpayer_id"))
            out.split_rows = split_rows(out.split)
            try:
                out.alert = render_alert(c, link=LINK_SHOWN)
            except TemplateError as e:
                out.alert_error = str(e)
            if document and not out.estimate:
                sample = _sample(c)
                if sample is not None:
                    out.document_html, out.taxpayer_id, out.reference = (render_html(sample), sample.taxpayer_id,
                                                                         sample.reference)
            raise _RollBack(out)
    except _RollBack as done:
        return done.preview


def split_rows(split: Any) -> dict[str, Any]:
    """The expected split as the wizard shows it: first channels in the delivery order, paper's reasons, and the
    taxpayers whose CI is not looked up yet (the sentence says what was assumed for them)."""
    from jingsu.delivery.services import PAPER_REASONS

    labels = dict(Channel.choices)
    order = [Channel.KAKAO, Channel.KT, Channel.SMS, Channel.PAPER]
    first = [{"channel": ch, "label": labels[ch], "count": split.first.get(ch, 0)} for ch in order]
    paper = [{"reason": key, "label": label, "count": split.paper_reasons[key]}
             for key, label in PAPER_REASONS.items() if split.paper_reasons.get(key)]
    note = ""
    if split.ci_unknown:
        without = ", ".join(f"{labels[ch]} {n:,}건" for ch, n in sorted(
            split.ci_unknown_without.items(), key=lambda kv: order.index(kv[0])))
        note = (f"연계정보를 아직 조회하지 않은 {split.ci_unknown:,}명은 찾는다고 보고 셈했습니다(발송할 때 조회합니다). "
                f"찾지 못하면 {without}입니다.")
    return {"first": first, "paper": paper, "ci_unknown": split.ci_unknown, "note": note}


# --- views -----------------------------------------------------------------------------------------------------------


@staff_view("view_reports")
def campaign_list(request: StaffRequest) -> HttpResponse:
    page, query = page_of(request, campaign_rows(request.jurisdiction))
    return render(request, "staff/campaigns/list.html", {"campaigns": page, "page": page, "query": query})


def campaign_rows(jurisdiction: Any) -> Any:
    """The campaign list, newest first: the screen pages it, the XLSX holds all of it."""
    return Campaign.objects.filter(jurisdiction=jurisdiction).select_related("template").order_by("-created_at", "-id")


@staff_view("prepare_campaign")
def campaign_new(request: StaffRequest) -> HttpResponse:
    """GET: the form. POST: create_campaign + build_campaign, then the campaign's page."""
    initial: dict[str, Any] = {"as_of": clock_today(_clock), "control_seed": CampaignForm.new_seed()}
    if request.GET.get("kind") in dict(WIZARD_KINDS):  # e.g. the 환급 대상 page's link to a 환급금 안내
        initial["kind"] = request.GET["kind"]
    form = CampaignForm(request.POST) if request.method == "POST" else CampaignForm(initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # the campaign, its arms and its notices, or nothing
                c = form.create(request)
                summary = campaigns.build_campaign(c, actor=_actor(request), clock=_clock)
        except campaigns.CampaignError as e:
            form.add_error(None, str(e))
        except ExperimentError as e:
            form.add_error(form.experiment_field(str(e)), str(e))
        else:
            message = (f"캠페인을 만들고 대상을 확정했습니다: 안내문 {summary.notices:,}건 "
                       f"(대조군 {summary.control:,}건), 합계 {summary.total_amount:,}원.")
            sizes = experiments.group_sizes(c) if c.arms.exists() else {}
            if sizes:
                message += (" 비교군별 안내문: " + ", ".join(f"{k} {n:,}건" for k, n in sizes.items() if k != "control")
                            + ". 승인을 요청하기 전에 캠페인 화면에서 실험 설계를 기록하세요.")
            messages.success(request, message)
            return redirect("staff:campaign_detail", campaign_id=c.pk)
    return render(request, "staff/campaigns/new.html", {"form": form, "experiment_refusal": experiment_refusal(),
                                                        "informational_kinds": " ".join(INFORMATIONAL_KINDS)},
                  status=400 if request.method == "POST" else 200)


@staff_view("prepare_campaign")
def campaign_preview(request: StaffRequest) -> HttpResponse:
    """GET: the number of notices and the total the form's conditions give (JSON, for campaign-progress.js)."""
    form = _form_from_query(request)
    if not form.is_valid():
        return JsonResponse({"ok": False, "errors": {k: [str(m) for m in v] for k, v in form.errors.items()}},
                            json_dumps_params={"ensure_ascii": False})
    try:
        p = preview_campaign(request, form)
    except ExperimentError as e:
        return JsonResponse({"ok": False, "errors": {form.experiment_field(str(e)): [str(e)]}},
                            json_dumps_params={"ensure_ascii": False})
    s = p.summary
    alert = {"title": p.alert.title, "text": p.alert.text, "sms_text": p.alert.sms_text} if p.alert else None
    note = (f"대상이 커서(부과 {s.lines:,}건) 빠른 어림값입니다: 체납액 조건 적용 전, 가산금은 자료를 가져온 날 기준, "
            "대조군은 비율로 어림. 정확한 수와 합계는 만들기 후 캠페인 화면에 나옵니다.") if p.estimate else ""
    return JsonResponse({"ok": True, "notices": s.notices, "control": s.control, "lines": s.lines,
                         "total_amount": s.total_amount, "estimate": p.estimate, "note": note, "alert": alert,
                         "alert_error": p.alert_error, "split": p.split_rows},
                        json_dumps_params={"ensure_ascii": False})


def _form_from_query(request: HttpRequest) -> CampaignForm:
    data = request.GET.copy()
    for key, value in CampaignForm.PREVIEW_DEFAULTS.items():
        data.setdefault(key, value)
    data.setdefault("as_of", clock_today(_clock).isoformat())
    return CampaignForm(data)


SAMPLE_DOCUMENT_CSP = {"default-src": [NONE_SRC], "script-src": [NONE_SRC], "connect-src": [NONE_SRC],
                       "style-src": [UNSAFE_INLINE], "img-src": ["data:"], "frame-ancestors": [SELF],
                       "form-action": [NONE_SRC]}


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@staff_view("prepare_campaign")
@xframe_options_sameorigin
@csp_replace(SAMPLE_DOCUMENT_CSP)
def campaign_preview_document(request: StaffRequest) -> HttpResponse:
    """The wizard's step 5: the document the first taxpayer of the form's selection would receive, rendered as sent,
    for the wizard's frame — before anything is built. Audited (it shows one taxpayer's data)."""
    form = _form_from_query(request)
    if not form.is_valid():
        return _plain("조건을 확인하세요: " + " / ".join(f"{form.fields[k].label if k in form.fields else ''} "
                                                   f"{' '.join(v)}".strip() for k, v in form.errors.items()), 400)
    try:
        p = preview_campaign(request, form, document=True)
    except ExperimentError as e:
        return _plain(f"조건을 확인하세요: {form[form.experiment_field(str(e))].label} {e}", 400)
    if p.estimate:
        return _plain("대상이 너무 많아 미리 만들어 볼 수 없습니다. 만들기 후 캠페인 화면에서 안내문 견본을 보세요.", 413)
    if not p.document_html:
        return _plain("이 조건에 맞는 체납자가 없어 보여 줄 안내문이 없습니다.", 404)
    audit.record("campaign.preview_document", actor=_actor(request),
                 jurisdiction=request.jurisdiction, target_type="taxpayers.taxpayer",
                 target_id=str(p.taxpayer_id), clock=_clock, detail={"kind": form.cleaned_data["kind"]})
    return HttpResponse(p.document_html, content_type="text/html; charset=utf-8")


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(label="발송 예약 시각", widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                              format="%Y-%m-%dT%H:%M"),
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                             help_text="한국 시각. 그 시각이 되면 스스로 발송을 시작합니다(발송 시간대 안에서).")


class CancelForm(forms.Form):
    reason = forms.CharField(label="취소 사유", min_length=control.MIN_REASON, max_length=200,
                             help_text="5자 이상. 감사 기록에 남습니다. 이미 나간 안내문은 취소되지 않습니다.")


class PauseForm(forms.Form):
    reason = forms.CharField(label="일시 중지 사유", required=False, max_length=200)


def _status_payload(c: Campaign) -> dict[str, Any]:
    from jingsu.delivery.services import campaign_status

    s = campaign_status(c)
    p = control.progress(c)
    notice_labels = dict(Notice.Status.choices)
    channel_labels = dict(Channel.choices)
    attempt_labels = dict(AttemptStatus.choices)
    quoted = f"'{c.get_status_display()}'"
    return {
        "campaign": c.pk,
        "status": c.status,
        "status_display": c.get_status_display(),
        # the sentence the page shows when the status changes under it (the particle chosen here: jingsu.korean)
        "status_changed": (f"캠페인 상태가 {josa(quoted, '으로')} 바뀌었습니다. "
                           "화면을 새로 고치면 이 상태에서 할 수 있는 일이 보입니다."),
        "progress": {"target": p.target, "handed_over": p.handed_over, "settled": p.settled,
                     "percent_sent": p.percent_sent, "percent_settled": p.percent_settled},
        "scheduled_at": c.scheduled_at.astimezone(SEOUL).isoformat() if c.scheduled_at else None,
        "notices": [{"status": k, "label": notice_labels.get(k, k), "count": v} for k, v in sorted(s["notices"].items())],
        "attempts": [
            {"channel": ch, "channel_label": channel_labels.get(ch, ch), "status": st,
             "label": attempt_labels.get(st, st), "count": n}
            for ch, by_status in s["attempts"].items() for st, n in sorted(by_status.items())
        ],
    }


def _sample(c: Campaign) -> Notice | None:
    """The notice shown as the campaign's sample: its first notice outside the control group (or its first)."""
    notices = Notice.objects.filter(campaign=c).select_related(
        "campaign", "campaign__template", "campaign__jurisdiction", "taxpayer")
    return notices.filter(control_group=False).order_by("id").first() or notices.order_by("id").first()


def describe_filters(filters: dict[str, Any]) -> str:
    """The campaign's conditions in words, e.g. "세목: 재산세(14) · 체납액 1,000원 이상"."""
    parts = []
    if filters.get("tax_items"):
        parts.append("세목: " + ", ".join(f"{TAX_ITEMS[t].name}({t})" if t in TAX_ITEMS else t
                                          for t in filters["tax_items"]))
    low, high = filters.get("min_amount"), filters.get("max_amount")
    if low is not None or high is not None:
        parts.append("체납액 " + (f"{low:,}원 이상" if low is not None else "") +
                     (" " if low is not None and high is not None else "") +
                     (f"{high:,}원 이하" if high is not None else ""))
    low, high = filters.get("min_age"), filters.get("max_age")
    if low is not None or high is not None:
        parts.append("체납 연차 " + (f"{low}년 이상" if low is not None else "") +
                     (" " if low is not None and high is not None else "") +
                     (f"{high}년 이하" if high is not None else ""))
    if filters.get("include_statuses"):
        labels = dict(Levy.Status.choices)
        parts.append("포함: " + ", ".join(labels.get(s, s) for s in filters["include_statuses"]))
    return " · ".join(parts) or "(조건 없음: 모든 체납)"


def describe_targets(c: Campaign) -> str:
    """An enforcement step's targets in words: the taxpayers its case named."""
    return f"체납처분 사건에서 지정한 납세자 {len(c.targets):,}명"


def measure_rows(c: Campaign) -> list[tuple[str, str]]:
    """What an enforcement step announces, for the campaign page: the measure, its date, its basis and, for
    명단공개, the last day of the 소명 기간 (jingsu.law)."""
    wording, content = MEASURES[c.kind], measure_content(c) or {}
    rows = [("예고하는 조치", wording.name), (wording.date_label, kdate(c.measure_on) or "—"),
            ("법적 근거", wording.basis)]
    if content.get("explanation_until"):
        rows.append(("소명 기간 끝나는 날", kdate(date.fromisoformat(content["explanation_until"]))))
    return rows


# --- 실험 (notices.experiments) on the campaign page ---------------------------------------------------------------

#: below this power the page warns that the minimum effect will probably go unseen (the usual 80 %)
POWER_ENOUGH = 0.8
CONFIDENCE_CHOICES = [("0.9", "90%"), ("0.95", "95%"), ("0.99", "99%")]


class ExperimentForm(forms.Form):
    """The pre-registration (notices.experiments.preregister): what the experiment asks and how it will be read."""

    hypothesis = forms.CharField(label="가설", max_length=1000,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text="예: 사회 규범 문구(비교군 B)가 기본 문구(비교군 A)보다 기간 내 납부율을 높인다.")
    outcome = forms.ChoiceField(label="주요 결과 지표", choices=Experiment.Outcome.choices, widget=KrdsRadios,
                                initial=Experiment.Outcome.PAID)
    window_days = forms.IntegerField(label="관찰 기간(일)", min_value=1, max_value=90, initial=14,
                                     help_text="발송한 날부터 며칠 동안의 납부를 셀지 정합니다 (1–90일).")
    min_effect = forms.FloatField(label="최소 효과 크기 (%포인트 또는 원)", min_value=0,
                                  help_text="찾아내고 싶은 가장 작은 차이: 기간 내 납부율이면 %포인트(예: 5는 30%에서 35%로), "
                                            "안내문당 징수액이면 원.")
    baseline = forms.FloatField(label="기준값 예상 (% 또는 원)", min_value=0,
                                help_text="비교하는 군에서 예상하는 기간 내 납부율(%) 또는 안내문당 징수액(원).")
    spread = forms.FloatField(label="징수액 표준편차 예상(원)", min_value=0, required=False,
                              help_text="안내문당 징수액을 주요 결과 지표로 할 때만 입력합니다.")
    confidence = forms.TypedChoiceField(label="신뢰수준", choices=CONFIDENCE_CHOICES, coerce=float, initial="0.95",
                                        help_text="비교가 여럿이면 유의수준을 비교 수로 나눕니다(본페로니 보정).")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        krds_classes(self)

    @classmethod
    def of(cls, exp: Experiment | None) -> ExperimentForm:
        """The form filled with a record (to edit it before approval), or empty."""
        if exp is None:
            return cls()
        confidence = next((v for v, _ in CONFIDENCE_CHOICES if float(v) == exp.confidence), str(exp.confidence))
        return cls(initial={"hypothesis": exp.hypothesis, "outcome": exp.outcome, "window_days": exp.window_days,
                            "min_effect": _plain_number(exp.min_effect), "baseline": _plain_number(exp.baseline),
                            "spread": _plain_number(exp.spread) if exp.spread is not None else None,
                            "confidence": confidence})


def _plain_number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def effect_text(exp: Experiment) -> tuple[str, str, str]:
    """The record's minimum effect, baseline and spread in words with their units."""
    if exp.outcome == Experiment.Outcome.PAID:
        return f"{_plain_number(exp.min_effect):,}%포인트", f"{_plain_number(exp.baseline):,}%", "—"
    return (f"{round(exp.min_effect):,}원", f"{round(exp.baseline):,}원",
            f"{round(exp.spread):,}원" if exp.spread is not None else "—")


def percent(x: float) -> str:
    return f"{round(x * 100)}%"


def experiment_context(c: Campaign, form: ExperimentForm | None = None) -> dict[str, Any] | None:
    """The campaign page's 실험 section: the arms with their notices, the strata, the pre-registration and the
    power for the built sizes; None for a campaign without arms."""
    arms = list(Arm.objects.filter(campaign=c).select_related("template").order_by("label"))
    if not arms:
        return None
    built = c.status != Campaign.Status.DRAFT
    sizes = experiments.group_sizes(c) if built else {}
    channel_labels = dict(Channel.choices)
    rows = [{"label": a.label, "name": a.name, "template": a.template.label, "share": a.share,
             "channels": " → ".join(channel_labels.get(ch, ch) for ch in a.channels) if a.channels else
             "캠페인과 같음", "send_at": a.send_at, "notices": sizes.get(a.label)} for a in arms]
    exp = Experiment.objects.filter(campaign=c).first()
    power = None
    if exp is not None:
        if exp.frozen_at is not None and exp.power is not None:
            power = exp.power
        elif built and all(sizes.get(a.label) for a in arms):
            power = experiments.power(exp, sizes)
    strata = dict(Experiment.Stratum.choices)
    editable = c.status in (Campaign.Status.DRAFT, Campaign.Status.BUILT)
    effect, baseline, spread = effect_text(exp) if exp else ("", "", "")
    return {
        "arms": rows, "control": {"share": c.control_share, "notices": sizes.get("control")}, "built": built,
        "strata": [strata.get(s, s) for s in c.strata],
        "record": exp, "effect": effect, "baseline": baseline, "spread": spread,
        "confidence": percent(exp.confidence) if exp else "",
        "power": percent(power) if power is not None else "", "low_power": power is not None and power < POWER_ENOUGH,
        "editable": editable and (exp is None or exp.frozen_at is None),
        "form": form or ExperimentForm.of(exp),
    }


def _detail(request: HttpRequest, c: Campaign, *, status: int = 200, error: str = "",
            schedule_form: ScheduleForm | None = None, cancel_form: CancelForm | None = None,
            experiment_form: ExperimentForm | None = None) -> HttpResponse:
    from jingsu.notices.documents import TemplateError, document_context, render_alert

    notices = Notice.objects.filter(campaign=c)
    totals = {
        "notices": notices.count(),
        "control": notices.filter(control_group=True).count(),
        "lines": NoticeLine.objects.filter(notice__campaign=c).count(),
        "total": sum(notices.values_list("total_amount", flat=True)),
    }
    alert, alert_error = None, ""
    try:
        alert = render_alert(c, link=LINK_SHOWN)
    except TemplateError as e:
        alert_error = str(e)
    sample = _sample(c)
    document = document_context(sample) if sample else None
    channel_labels = dict(Channel.choices)
    return render(request, "staff/campaigns/detail.html", {
        "campaign": c, "S": Campaign.Status, "totals": totals, "alert": alert, "alert_error": alert_error,
        "document": document, "progress": _status_payload(c), "error": error,
        "channels": [channel_labels.get(ch, ch) for ch in c.channels],
        "filters_text": describe_targets(c) if c.is_measure else describe_filters(c.filters),
        "measure": measure_rows(c) if c.is_measure else None,
        "problems": campaigns.template_problems(c, today=clock_today(_clock)) + experiments.problems(c)
        if c.status == Campaign.Status.BUILT else [],
        "experiment": experiment_context(c, experiment_form),
        "schedule_form": schedule_form or ScheduleForm(),
        "cancel_form": cancel_form or CancelForm(),
        "pause_form": PauseForm(),
        "cancellable": c.status in control.CANCELLABLE,
    }, status=status)


def _campaign(request: StaffRequest, campaign_id: int) -> Campaign:
    return scoped_or_404(request, Campaign, pk=campaign_id)


@staff_view("view_reports")
def campaign_detail(request: StaffRequest, campaign_id: int) -> HttpResponse:
    return _detail(request, _campaign(request, campaign_id))


def _act(request: HttpRequest, campaign_id: int, do: Any) -> HttpResponse:
    """POST: `do(campaign)` → the success message; a CampaignError shows the page again with it (400). GET shows
    the campaign's page."""
    c = _campaign(request, campaign_id)
    if request.method != "POST":
        return _detail(request, c)
    try:
        message = do(c)
    except campaigns.CampaignError as e:
        c.refresh_from_db()
        return _detail(request, c, status=400, error=str(e))
    messages.success(request, message)
    return redirect("staff:campaign_detail", campaign_id=c.pk)


@staff_view("approve_campaign")
def campaign_approve(request: StaffRequest, campaign_id: int) -> HttpResponse:
    """POST: approve (maker-checker in notices.services)."""
    def do(c: Campaign) -> str:
        campaigns.approve_campaign(c, actor=_actor(request), clock=_clock)
        return "캠페인을 승인했습니다. 지금 발송하거나 발송 시각을 예약할 수 있습니다."
    return _act(request, campaign_id, do)


@staff_view("prepare_campaign")
def campaign_experiment(request: StaffRequest, campaign_id: int) -> HttpResponse:
    """POST: record (or, before approval, rewrite) the experiment's pre-registration
    (notices.experiments.preregister). GET shows the campaign's page."""
    c = _campaign(request, campaign_id)
    if request.method != "POST":
        return _detail(request, c)
    form = ExperimentForm(request.POST)
    if not form.is_valid():
        return _detail(request, c, status=400, error="실험 설계를 확인하세요.", experiment_form=form)
    values = dict(form.cleaned_data)
    if values["outcome"] != Experiment.Outcome.AMOUNT:
        values["spread"] = None  # a rate's power needs no spread
    try:
        exp = experiments.preregister(c, **values, actor=_actor(request), clock=_clock)
    except ExperimentError as e:
        c.refresh_from_db()
        return _detail(request, c, status=400, error=str(e), experiment_form=form)
    message = "실험 설계를 기록했습니다."
    if c.status == Campaign.Status.BUILT:
        message += f" 검정력: {percent(experiments.power(exp, experiments.group_sizes(c)))}."
    messages.success(request, message + " 승인하면 더는 고칠 수 없습니다.")
    return redirect("staff:campaign_detail", campaign_id=c.pk)


@staff_view("approve_campaign")
def campaign_send(request: StaffRequest, campaign_id: int) -> HttpResponse:
    """POST: start sending (delivery.services.start_campaign with the configured providers). GET shows the page."""
    from jingsu.delivery.services import start_campaign
    from jingsu.providers.base import ProviderError
    from jingsu.providers.registry import configured_providers

    c = _campaign(request, campaign_id)
    if request.method != "POST":
        return _detail(request, c)
    if c.status != Campaign.Status.APPROVED:
        return _detail(request, c, status=400, error="승인된 캠페인만 발송할 수 있습니다.")
    try:
        summary = start_campaign(c, configured_providers(), actor=_actor(request), clock=_clock)
    except RuntimeError:
        return _detail(request, c, status=503, error="발송 기관(또는 시뮬레이터) 주소가 설정되지 않아 발송할 수 "
                                                     "없습니다. 시스템 관리자에게 JINGSU_PROVIDER_URL 설정을 "
                                                     "요청하세요.")
    except ProviderError as e:
        return _detail(request, c, status=502, error=f"발송 기관과 통신하지 못했습니다. 잠시 뒤 다시 시도하세요. ({e})")
    except ValueError as e:
        return _detail(request, c, status=400, error=str(e))
    messages.success(request, f"발송을 시작했습니다: 첫 발송 {summary.attempts:,}건.")
    return redirect("staff:campaign_detail", campaign_id=c.pk)


@staff_view("approve_campaign")
def campaign_schedule(request: StaffRequest, campaign_id: int) -> HttpResponse:
    """POST `at`: 발송 예약 (delivery.control.schedule_campaign); the dispatch cycle starts it at that time."""
    c = _campaign(request, campaign_id)
    form = ScheduleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not form.is_valid():
        return _detail(request, c, status=400, error="발송 예약 시각을 확인하세요.", schedule_form=form)

    def do(c: Campaign) -> str:
        at: datetime = form.cleaned_data["at"]
        control.schedule_campaign(c, at, actor=_actor(request), clock=_clock)
        return f"{at.astimezone(SEOUL):%Y. %m. %d. %H:%M}에 발송을 시작하도록 예약했습니다."
    return _act(request, campaign_id, do)


@staff_view("approve_campaign")
def campaign_unschedule(request: StaffRequest, campaign_id: int) -> HttpResponse:
    def do(c: Campaign) -> str:
        control.unschedule_campaign(c, actor=_actor(request), clock=_clock)
        return "발송 예약을 취소했습니다. 캠페인은 승인된 상태로 남습니다."
    return _act(request, campaign_id, do)


@staff_view("approve_campaign")
def campaign_pause(request: StaffRequest, campaign_id: int) -> HttpResponse:
    def do(c: Campaign) -> str:
        control.pause_campaign(c, actor=_actor(request), reason=request.POST.get("reason", "")[:200], clock=_clock)
        return "발송을 일시 중지했습니다. 이미 넘긴 안내문은 그대로 진행되고, 남은 안내문은 재개할 때까지 기다립니다."
    return _act(request, campaign_id, do)


@staff_view("approve_campaign")
def campaign_resume(request: StaffRequest, campaign_id: int) -> HttpResponse:
    def do(c: Campaign) -> str:
        control.resume_campaign(c, actor=_actor(request), clock=_clock)
        return "발송을 재개했습니다."
    return _act(request, campaign_id, do)


@staff_view("approve_campaign")
def campaign_cancel(request: StaffRequest, campaign_id: int) -> HttpResponse:
    """POST `reason`: cancel what has not gone out (delivery.control.cancel_campaign)."""
    c = _campaign(request, campaign_id)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not form.is_valid():
        return _detail(request, c, status=400, error="취소 사유를 5자 이상 적어 주세요.", cancel_form=form)

    def do(c: Campaign) -> str:
        s = control.cancel_campaign(c, actor=_actor(request), reason=form.cleaned_data["reason"], clock=_clock)
        return (f"캠페인을 취소했습니다: 나가지 않은 안내문 {s.notices:,}건과 대기 중인 발송 {s.attempts:,}건을 "
                f"취소했습니다. 이미 나간 안내문 {s.already_sent:,}건은 그대로입니다.")
    return _act(request, campaign_id, do)


@staff_view("view_reports")
@xframe_options_sameorigin
@csp_replace(SAMPLE_DOCUMENT_CSP)
def campaign_sample(request: StaffRequest, campaign_id: int) -> HttpResponse:
    """The sample notice's document exactly as rendered for the intermediary and the printer (its own inline CSS,
    no external resource), for the campaign page's frame. Viewing it is audited: it carries one taxpayer's data."""
    from jingsu.notices.documents import render_html

    c = _campaign(request, campaign_id)
    sample = _sample(c)
    if sample is None:
        return _plain("이 캠페인에는 안내문이 없습니다.", 404)
    audit.record("campaign.sample_view", actor=_actor(request), jurisdiction=c.jurisdiction_id, target=sample,
                 clock=_clock, detail={"campaign": c.pk})
    return HttpResponse(render_html(sample), content_type="text/html; charset=utf-8")


@staff_view("view_reports")
def campaign_sample_pdf(request: StaffRequest, campaign_id: int) -> HttpResponse:
    """The sample notice as the A4 PDF the post office prints and the portal offers."""
    from jingsu.notices.documents import render_pdf

    c = _campaign(request, campaign_id)
    sample = _sample(c)
    if sample is None:
        return _plain("이 캠페인에는 안내문이 없습니다.", 404)
    audit.record("campaign.sample_pdf", actor=_actor(request), jurisdiction=c.jurisdiction_id, target=sample,
                 clock=_clock, detail={"campaign": c.pk})
    response = HttpResponse(render_pdf(sample), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sample-{sample.reference}.pdf"'
    return response


@staff_view("view_reports")
def campaign_status_json(request: StaffRequest, campaign_id: int) -> HttpResponse:
    """The campaign page's progress (notices by status, attempts by channel and status), polled by the page."""
    c = _campaign(request, campaign_id)
    if request.method not in ("GET", "HEAD"):
        return JsonResponse({"error": "GET만 됩니다."}, status=405)
    return JsonResponse(_status_payload(c), json_dumps_params={"ensure_ascii": False})
