"""The one bridge from the rewards app to `jingsu.law.reward` (rates, caps, exclusions and clawback interest live
there, never here). Both functions take and return the JSON contract of `jingsu calc reward` /
`jingsu calc reward-clawback` (docs/calc.md), so what a decision stores can be rerun by an auditor unchanged."""

from __future__ import annotations

from typing import Any

from jingsu.law.errors import InputError, LawError, NoRuleForDate
from jingsu.rewards.models import RewardError


def _law_error(e: LawError) -> RewardError:
    if isinstance(e, InputError):
        return RewardError(e.field, e.message)
    if isinstance(e, NoRuleForDate):
        return RewardError(e.field, e.message)
    return RewardError(None, f"포상금 계산 오류: {e}")


def calculate(data: dict[str, Any]) -> dict[str, Any]:
    """`jingsu.law.reward.calculate` (the `reward` calculator)."""
    from jingsu.law.reward import calculate as law_calculate

    try:
        return law_calculate(data)
    except LawError as e:
        raise _law_error(e) from e


def clawback(data: dict[str, Any]) -> dict[str, Any]:
    """The `reward-clawback` calculator: principal, interest (fraud: 제9조③) and total."""
    from jingsu.law import calc

    try:
        return calc.run("reward-clawback", data)
    except LawError as e:
        raise _law_error(e) from e
