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
    """

    def __init__(self, rule: str, jurisdiction: str, on: date, *, field: str | None = None) -> None:
        self.rule = rule
        self.jurisdiction = jurisdiction
        self.on = on
        self.field = field
        super().__init__(f"no rule {rule!r} for jurisdiction {jurisdiction} on {on.isoformat()}")

    @property
    def message(self) -> str:
        """A Korean message for users."""
        return f"{self.on.isoformat()} 기준으로 적용할 규정이 없습니다 (규정: {self.rule}, 지자체: {self.jurisdiction})"


class InputError(LawError):
    """Invalid calculator input. `field` is the JSON field name, `message` is Korean, for users."""

    def __init__(self, field: str | None, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


class ParamSchemaError(LawError):
    """A parameter YAML file breaks the schema (unknown key, missing `from`/`ref`/`value`, overlap, …)."""
