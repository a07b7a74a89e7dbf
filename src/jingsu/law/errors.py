"""Errors raised by `jingsu.law`.

A calculation that the rules do not cover fails loudly (`NoRuleForDate`); it never returns 0.
`InputError` carries the JSON field name and a Korean message meant for the user.
"""

from __future__ import annotations

from datetime import date


class LawError(Exception):
    """Base class of every error raised by `jingsu.law`."""


class NoRuleForDate(LawError):
    """No version of a rule covers the date that selects it.

    `rule` is the parameter path or rule name, `jurisdiction` the 행정표준코드 asked for, `on` the selecting date.
    `field` optionally names the JSON input field that chose the date (set by calculators for the CLI).
    `label` is the rule's Korean name (from the parameter file's descriptions), `covered` the dates the encoded
    versions do cover (both filled in by `jingsu.law.params.get`), `action` what the official can do instead of
    the default advice.
    """

    def __init__(
        self,
        rule: str,
        jurisdiction: str,
        on: date,
        *,
        field: str | None = None,
        label: str | None = None,
        covered: str | None = None,
        action: str | None = None,
    ) -> None:
        self.rule = rule
        self.jurisdiction = jurisdiction
        self.on = on
        self.field = field
        self.label = label
        self.covered = covered
        self.action = action
        super().__init__(f"no rule {rule!r} for jurisdiction {jurisdiction} on {on.isoformat()}")

    def copy(self) -> NoRuleForDate:
        """A fresh exception with the same facts (re-raising one cached instance would grow its traceback)."""
        return NoRuleForDate(self.rule, self.jurisdiction, self.on, field=self.field, label=self.label,
                             covered=self.covered, action=self.action)

    @property
    def message(self) -> str:
        """A Korean message for users: which rule, which date, what is covered, and what the official can do."""
        what = f"{self.label} 규정" if self.label else "적용할 규정"
        where = f"규정: {self.rule}, 지자체: {self.jurisdiction}"
        if self.field:
            where += f", 날짜를 정한 입력 항목: {self.field}"
        text = f"{self.on.isoformat()} 기준으로 {what}이 없습니다 ({where})."
        if self.covered:
            text += f" 수록된 기간: {self.covered}."
        return f"{text} {self.action or NO_RULE_ACTION}"


NO_RULE_ACTION = (
    "입력한 날짜(과세연도·기준일·납부기한)가 맞는지 먼저 확인하십시오. 날짜가 맞다면 그날 시행되던 법령·조례 조문"
    "(법률·조례 번호, 조, 부칙)을 확인해 시스템 관리자에게 법령 매개변수 추가를 요청하고, 그때까지는 이 계산기 대신"
    " 수기로 계산한 뒤 근거 조문을 기록하십시오."
)


class InputError(LawError):
    """Invalid calculator input. `field` is the JSON field name, `message` is Korean, for users."""

    def __init__(self, field: str | None, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


class ParamSchemaError(LawError):
    """A parameter YAML file breaks the schema (unknown key, missing `from`/`ref`/`value`, overlap, …)."""
