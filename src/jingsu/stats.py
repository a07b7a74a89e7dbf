"""The statistics the effect reports and the experiments use: pure Python, no Django (like jingsu.law).

One definition each:

- `wilson`: Wilson score interval for a proportion (Wilson 1927).
- `newcombe`: difference of two proportions with Newcombe's hybrid score interval (Newcombe 1998, method 10).
- `mean_var`: mean and sample variance; `welch`: difference of two means and its standard error (Welch's normal
  interval is difference ± z·se); `normal_p`: the two-sided p-value of that z.
- `two_proportion_p`: two-sided p-value of the pooled two-proportion z-test (the test whose decision the
  interval above accompanies).
- `holm`: Holm's step-down adjustment of p-values (Holm 1979) — controls the family-wise error rate under any
  dependence between the tests (the comparisons of an experiment share its arms, so they are dependent).
- `bonferroni_z`: the normal quantile for simultaneous intervals over m comparisons (the intervals that go with
  Holm's decisions: an interval that excludes 0 at α/m is a Holm rejection too).
- `power_two_proportions` / `power_two_means`: the power of a two-sided test at level α for a given effect and group
  sizes (normal approximation, unpooled variance), as pre-registration shows it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

Z95 = 1.959963984540054
_N = NormalDist()


def z_for(confidence: float) -> float:
    """The two-sided normal quantile for `confidence` (0.95 → 1.96)."""
    return _N.inv_cdf(1 - (1 - confidence) / 2)


def wilson(x: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion x/n."""
    if n == 0:
        return 0.0, 1.0
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """Difference p1 − p2 with Newcombe's hybrid score interval (method 10): (difference, low, high)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high


def mean_var(values: Sequence[int | float]) -> tuple[float, float]:
    """Mean and sample variance (n − 1); the variance of fewer than two values is 0."""
    n = len(values)
    if n == 0:
        return 0.0, 0.0
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return mean, var


def welch(a: Sequence[int | float], b: Sequence[int | float]) -> tuple[float, float]:
    """Difference of means mean(a) − mean(b) and its standard error (Welch): (difference, se); the interval is
    difference ± z·se."""
    m1, v1 = mean_var(a)
    m2, v2 = mean_var(b)
    se = math.sqrt(v1 / len(a) + v2 / len(b)) if a and b else 0.0
    return m1 - m2, se


def normal_p(difference: float, se: float) -> float:
    """Two-sided p-value of a normal z = difference / se (0 or 1 when the spread is nil)."""
    if se == 0:
        return 1.0 if difference == 0 else 0.0
    return 2 * (1 - _N.cdf(abs(difference / se)))


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test of p1 = p2 (1.0 when nothing can be told apart)."""
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / se
    return 2 * (1 - _N.cdf(abs(z)))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given (each ≤ 1, monotone in the sorted order)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def bonferroni_z(m: int, confidence: float = 0.95) -> float:
    """The normal quantile for m simultaneous two-sided intervals at family confidence `confidence`."""
    return z_for(1 - (1 - confidence) / max(m, 1))


def power_two_proportions(p1: float, effect: float, n1: int, n2: int, *, alpha: float = 0.05) -> float:
    """Power of the two-sided test of p1 = p2 at level `alpha` when p2 = p1 + effect, with n1 and n2 observations
    (normal approximation, unpooled variance). 0 when a group is empty."""
    if n1 <= 0 or n2 <= 0:
        return 0.0
    p2 = min(max(p1 + effect, 0.0), 1.0)
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    if se == 0:
        return 1.0 if effect else alpha
    z = _N.inv_cdf(1 - alpha / 2)
    shift = abs(p2 - p1) / se
    return _N.cdf(shift - z) + _N.cdf(-shift - z)


def power_two_means(sd: float, effect: float, n1: int, n2: int, *, alpha: float = 0.05) -> float:
    """Power of the two-sided test of equal means at level `alpha` for a difference `effect`, both groups with
    standard deviation `sd` (normal approximation)."""
    if n1 <= 0 or n2 <= 0:
        return 0.0
    se = sd * math.sqrt(1 / n1 + 1 / n2)
    if se == 0:
        return 1.0 if effect else alpha
    z = _N.inv_cdf(1 - alpha / 2)
    shift = abs(effect) / se
    return _N.cdf(shift - z) + _N.cdf(-shift - z)
