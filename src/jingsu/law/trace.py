"""Calculation traces: each step records the rule, its article, the inputs and the output.

Calculators take `trace: Trace | None = None`; with `None` they record nothing (the fast path).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any


def jsonable(value: object) -> Any:
    """Turn a trace value into JSON: dates → ISO strings, rates → exact strings, tuples → lists."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        d = Decimal(value.numerator) / Decimal(value.denominator)
        # exact decimal when the fraction has one (rates from YAML always do), else "n/d"
        if Fraction(d) == value:
            return format(d.normalize(), "f")
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


class Trace:
    """An ordered list of calculation steps."""

    __slots__ = ("_steps",)

    def __init__(self) -> None:
        self._steps: list[dict[str, Any]] = []

    def add(self, rule: str, article: str, inputs: dict[str, Any], output: object) -> None:
        self._steps.append({"rule": rule, "article": article, "inputs": inputs, "output": output})

    @property
    def steps(self) -> list[dict[str, Any]]:
        """The steps as JSON-ready dicts `{rule, article, inputs, output}`."""
        return [jsonable(s) for s in self._steps]

    def __len__(self) -> int:
        return len(self._steps)
