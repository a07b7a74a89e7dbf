"""Money arithmetic on `int` won, with exact rates.

- 지방세기본법 제59조: 지방자치단체의 징수금의 끝수 계산에 관하여는 「국고금 관리법」 제47조를 준용한다.
- 국고금 관리법 제47조①: 10원 미만의 끝수는 계산하지 아니한다 (and a total under 10원 is dropped entirely);
  ②: 과세표준 1원 미만은 계산하지 아니한다.

Rates are `fractions.Fraction` or `decimal.Decimal` (parsed from YAML strings), never floats.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

Rate = Fraction | Decimal


def _check_int(won: object, name: str = "won") -> int:
    if isinstance(won, bool) or not isinstance(won, int):
        raise TypeError(f"{name} must be int won, got {type(won).__name__}")
    return won


def trunc10(won: int) -> int:
    """10원 미만 절사 (국고금 관리법 제47조①, via 지방세기본법 제59조); toward zero."""
    _check_int(won)
    if won >= 0:
        return won - won % 10
    return -((-won) - (-won) % 10)


def mul_floor(amount: int, rate: Rate) -> int:
    """`amount × rate`, computed exactly and floored to whole won (1원 미만 버림)."""
    _check_int(amount, "amount")
    if isinstance(rate, Fraction):
        return amount * rate.numerator // rate.denominator
    if isinstance(rate, Decimal):
        fr = Fraction(rate)
        return amount * fr.numerator // fr.denominator
    raise TypeError(f"rate must be Fraction or Decimal, got {type(rate).__name__}")


def parse_rate(text: str) -> Fraction:
    """Parse a rate written as a string: "0.4%", "1/1000", "0.004" → exact Fraction.

    Floats are refused (a YAML `0.004` without quotes is a float and is a schema error, see params.py).
    """
    if not isinstance(text, str):
        raise TypeError(f"rate must be a string, got {type(text).__name__}")
    s = text.strip().replace(",", "")
    if s.endswith("%"):
        return Fraction(s[:-1].strip()) / 100
    if "/" in s:  # "0.7/1000" = 1천분의 0.7
        num, _, den = s.partition("/")
        return Fraction(num.strip()) / Fraction(den.strip())
    return Fraction(s)
