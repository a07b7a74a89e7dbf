"""체납처분 대상 (issue #16 item 2): the enforcement worklist on the console, and its XLSX download.

| URL (under /staff/) | permission | what |
|---|---|---|
| `enforcement/?as_of=&within=&measure=&…` | view_enforcement_worklist | one tab per measure: 대상, 확인 필요, 곧 대상 |
| `enforcement/worklist.xlsx?…` | view_enforcement_worklist | the same lists with the same conditions, one sheet per measure |

The lists are `jingsu.enforcement.worklist`'s; this module only shows them. The permission: 담당자, 팀장, 과장 (the
체납징수팀 and above) and 감사 (who reads every record); not 공적심사위원 nor 시스템관리자. Names are masked on the
screen and in the file unless the role has `reveal_personal_data` (`staff.downloads.People`); the download is
audited (`staff.enforcement_worklist_xlsx`). Future dates are refused (the console's clock).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render

from jingsu.core.formats import kdate
from jingsu.enforcement.worklist import (
    MEASURE_LABELS,
    STATUS_LABELS,
    Filters,
    MeasureList,
    Row,
    Worklist,
    check_as_of,
    worklist,
)
from jingsu.korean import josa
from jingsu.law.enforcement import MEASURES
from jingsu.law.tax_items import TAX_ITEMS
from jingsu.staff.access import StaffRequest, console_today, staff_view
from jingsu.staff.access import jurisdiction_of as _j
from jingsu.staff.downloads import Col, People, Sheet, xlsx_response
from jingsu.staff.paging import page_of

PERMISSION = "view_enforcement_worklist"
MAX_WITHIN = 366


def _int_field(label: str, *, min_value: int = 0, max_value: int | None = None, help_text: str = "") -> forms.Field:
    messages = {"invalid": f"{label}에는 숫자만 적습니다.",
                "min_value": f"{josa(label, '은')} %(limit_value)s 이상이어야 합니다."}
    if max_value is not None:
        messages["max_value"] = f"{josa(label, '은')} %(limit_value)s 이하여야 합니다."
    return forms.IntegerField(label=label, required=False, min_value=min_value, max_value=max_value,
                              help_text=help_text, error_messages=messages,
                              widget=forms.NumberInput(attrs={"class": "krds-input"}))


class WorklistForm(forms.Form):
    as_of = forms.DateField(label="기준일", required=False, error_messages={"invalid": "기준일은 날짜로 적습니다."},
                            widget=forms.DateInput(attrs={"type": "date", "class": "krds-input"}))
    within = _int_field("곧 대상이 되는 기간(일)", max_value=MAX_WITHIN, help_text="기준일부터 이 날수 안에 대상이 되는 납세자")
    min_amount = _int_field("체납액 하한(원)")
    max_amount = _int_field("체납액 상한(원)")
    min_age = _int_field("체납 기간 하한(개월)", max_value=1200)
    max_age = _int_field("체납 기간 상한(개월)", max_value=1200)
    tax_item = forms.ChoiceField(label="세목", required=False,
                                 choices=[("", "전체")] + [(c, t.name) for c, t in TAX_ITEMS.items()],
                                 widget=forms.Select(attrs={"class": "krds-form-select"}))
    dong = forms.CharField(label="동", required=False, max_length=30, strip=True,
                           widget=forms.TextInput(attrs={"class": "krds-input"}))

    def __init__(self, *args: Any, today: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_as_of(self) -> Any:
        as_of = self.cleaned_data.get("as_of") or self.today
        try:
            check_as_of(as_of, self.today)
        except ValueError as e:
            raise forms.ValidationError(str(e)) from None
        return as_of

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        lo, hi = d.get("min_amount"), d.get("max_amount")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("max_amount", "체납액 상한이 하한보다 작습니다.")
        lo, hi = d.get("min_age"), d.get("max_age")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("max_age", "체납 기간 상한이 하한보다 짧습니다.")
        return d

    def filters(self) -> Filters:
        d = self.cleaned_data
        return Filters(min_amount=d.get("min_amount"), max_amount=d.get("max_amount"),
                       min_age_months=d.get("min_age"), max_age_months=d.get("max_age"),
                       tax_item=d.get("tax_item") or None, dong=d.get("dong") or None)

    def within_days(self) -> int:
        w = self.cleaned_data.get("within")
        return 30 if w is None else int(w)


def _build(request: StaffRequest) -> tuple[WorklistForm, Worklist | None]:
    form = WorklistForm(request.GET or None, today=console_today())
    if request.GET and not form.is_valid():
        return form, None
    if not request.GET:
        form = WorklistForm({}, today=console_today())
        form.is_valid()
    wl = worklist(_j(request).code, form.cleaned_data["as_of"], today=console_today(), within_days=form.within_days(),
                  filters=form.filters())
    return form, wl


def _rows(ml: MeasureList) -> list[Row]:
    return [*ml.qualifying, *ml.check, *ml.soon]


@staff_view(PERMISSION)
def worklist_view(request: StaffRequest) -> HttpResponse:
    form, wl = _build(request)
    measure = request.GET.get("measure") or MEASURES[0]
    if measure not in MEASURES:
        measure = MEASURES[0]
    people = People(request)
    context: dict[str, Any] = {"form": form, "wl": wl, "measure": measure, "measure_name": MEASURE_LABELS[measure][0]}
    if wl is not None:
        ml = wl.measures[measure]
        page, _ = page_of(request, _rows(ml))
        rows = [_show(r, people) for r in page]
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("measure", None)
        base = query.urlencode()
        context.update({
            "ml": ml, "page": page, "rows": rows, "tabs": [(m, wl.measures[m]) for m in MEASURES],
            "base_query": base, "query": f"{base}&measure={measure}" if base else f"measure={measure}",
            "filter_words": wl.filters.words(),
            "case_rows": [{"stage": c.stage, "row": r, "name": people.name(r.name)}
                          for c in wl.cases if c.measure == measure for r in c.rows],
        })
    return render(request, "staff/enforcement/worklist.html", context)


def _show(r: Row, people: People) -> dict[str, Any]:
    return {"row": r, "name": people.name(r.name), "status": STATUS_LABELS[r.status]}


COLUMNS = [Col("구분", width=10), Col("납세자 번호", "text", 12), Col("성명", width=12), Col("체납액", "won", 14),
           Col("체납 건수", "count", 9), Col("최초 체납 발생일", "date", 14), Col("세목", width=20), Col("동", width=12),
           Col("변경 예정일", "date", 13), Col("다음 절차", width=60), Col("대상이 아닌 이유", width=50),
           Col("확인할 사항", width=50), Col("진행 중인 사건", width=22)]


CASE_COLUMNS = [Col("처분", width=24), Col("단계", width=16), Col("사건 번호", width=10), Col("납세자 번호", "text", 12),
                Col("성명", width=12), Col("단계 일자", "date", 13), Col("개시일", "date", 13), Col("체납액", "won", 14),
                Col("해제 가능", width=9), Col("승인 대기", width=9)]


def _sheet_rows(rows: Iterable[Row], name: Callable[[str], str]) -> Iterable[Sequence[Any]]:
    for r in rows:
        yield [STATUS_LABELS[r.status], str(r.taxpayer_id), name(r.name), r.arrears, r.count, r.oldest_arrears_date,
               r.tax_item_names, r.dong, r.next_change, r.next_step, r.reason_text, r.finding,
               f"{r.case_id}번 ({r.case_stage})" if r.case_id else ""]


def worklist_sheets(wl: Worklist, name: Callable[[str], str]) -> list[Sheet]:
    """One sheet per measure (대상, 확인 필요, 곧 대상), and the open cases by stage when there are any. Shared with
    `jingsu enforcement worklist --xlsx`."""
    sheets = [Sheet(ml.name[:31], COLUMNS, _sheet_rows(_rows(ml), name)) for ml in wl.measures.values()]
    if wl.cases:
        sheets.append(Sheet("진행 중인 처분", [Col("처분", width=24), Col("단계", width=16), Col("건수", "count", 9),
                                          Col("체납액", "won", 14)],
                            ([MEASURE_LABELS.get(c.measure, (c.measure,))[0], c.stage, c.count, c.arrears]
                             for c in wl.cases)))
        sheets.append(Sheet("진행 중인 사건", CASE_COLUMNS, (
            [MEASURE_LABELS.get(c.measure, (c.measure,))[0], c.stage, f"{r.case_id}번", str(r.taxpayer_id),
             name(r.name), r.stage_on, r.opened_on, r.arrears, "예" if r.release_ready else "",
             "예" if r.pending else ""] for c in wl.cases for r in c.rows)))
    return sheets


def conditions(wl: Worklist) -> list[tuple[str, str]]:
    return [("기준일", kdate(wl.as_of)), ("곧 대상 기간", f"{wl.within_days}일 ({kdate(wl.horizon)}까지)"),
            *wl.filters.words()]


@staff_view(PERMISSION)
def worklist_xlsx(request: StaffRequest) -> HttpResponse:
    form, wl = _build(request)
    if wl is None:
        return render(request, "staff/enforcement/worklist.html",
                      {"form": form, "wl": None, "measure": MEASURES[0], "measure_name": MEASURE_LABELS[MEASURES[0]][0]},
                      status=400)
    people = People(request)
    return xlsx_response(request, action="staff.enforcement_worklist_xlsx", title="체납처분 대상",
                         filename="체납처분대상", sheets=worklist_sheets(wl, people.name), filters=conditions(wl),
                         people=people)
