"""Dated legal parameters, by jurisdiction, from YAML.

Files: ``params/<jurisdiction>/<area>.yaml``. ``kr`` is national law; ``11000`` 서울특별시, ``11260`` 중랑구, … .
A path ``property_tax.rates.house.general`` names the file ``property_tax.yaml`` and, inside it, the nested keys
``rates → house → general``. `get` looks in the 구, then its 시·도, then ``kr`` (see `parents`), and returns the
first version whose ``[from, to)`` covers the date. No covering version anywhere → `NoRuleForDate`.

Schema (strict: an unknown key is a `ParamSchemaError` naming file and key)::

    description: 재산세 (지방세법 제104조~제123조)      # optional, top level and on any group
    rates:                                          # a group: any other key is a child group or parameter
      house:
        general:                                    # a parameter: it has `values`
          description: 주택 표준세율                   # optional
          type: brackets                            # required, see TYPES below
          note: ...                                 # optional
          values:
            - from: 2011-01-01                      # required; inclusive (ISO date)
              to: 2023-06-01                        # optional; exclusive; absent = open-ended
              ref: 지방세법 제111조①3호나목 (법률 제10221호 부칙 제1조)   # required: law, article, 부칙
              note: ...                             # optional
              value: [...]                          # required; `null` = "explicitly not in force then"

TYPES (``value`` shapes; rates are always quoted strings — "0.4%", "1/1000", "0.004" — never YAML floats):

- ``rate``: a string → `Fraction`.
- ``won``: an integer ≥ 0 (YAML ``250_000_000`` is fine) → `int`.
- ``int``: any integer → `int`.   ``bool``: true/false.   ``text``: a string.   ``date``: an ISO date → `date`.
- ``brackets``: progressive (marginal) table, a list of ``{over: won, base: won, rate: "…%"}`` sorted by
  ``over``, the first ``over: 0``; tax = base + (x − over) × rate for the last bracket with over < x (x = 0 → 0).
  ``base`` is the law's "○○원 + 초과분 × …" figure and is checked at load against the brackets below it.
  → `Brackets`.
- ``bands``: a band table (not marginal): a list of ``{over: won, rate: "…%"}``; the value for x is the rate of
  the last band with over < x (the first band, over 0, also covers x = 0). → `Bands`.
- ``rate_table`` / ``won_table``: a mapping of names to rates / won → `dict[str, Fraction]` / `dict[str, int]`.
- ``text_table``: a mapping of names to texts (e.g. a method code → the article that excludes it) → `dict[str, str]`.

Versions of one parameter must not overlap. Gaps are allowed (a date in a gap raises `NoRuleForDate`).
Files are loaded once per process and cached.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from jingsu.law.errors import InputError, NoRuleForDate, ParamSchemaError
from jingsu.law.money import parse_rate

PARAMS_DIR = Path(__file__).parent / "params"
NATIONAL = "kr"

_GROUP_KEYS = {"description"}
_PARAM_KEYS = {"description", "type", "note", "values"}
_VERSION_KEYS = {"from", "to", "ref", "note", "value"}
_REQUIRED_VERSION_KEYS = ("from", "ref", "value")
TYPES = (
    "rate", "won", "int", "bool", "text", "date", "brackets", "bands", "rate_table", "won_table", "text_table",
)


@dataclass(frozen=True, slots=True)
class Bracket:
    """One row of a progressive table: for x > over, tax = base + (x − over) × rate."""

    over: int
    base: int
    rate: Fraction


@dataclass(frozen=True, slots=True)
class Brackets:
    """A progressive (marginal) rate table (과세표준 구간별 세율)."""

    rows: tuple[Bracket, ...]

    def apply(self, x: int) -> int:
        """Tax on base x, floored to whole won."""
        if x <= 0:
            return 0
        row = self.rows[0]
        for r in self.rows:
            if r.over < x:
                row = r
            else:
                break
        d = (x - row.over) * row.rate
        return row.base + d.numerator // d.denominator

    def row_for(self, x: int) -> Bracket:
        row = self.rows[0]
        for r in self.rows:
            if r.over < x:
                row = r
        return row


@dataclass(frozen=True, slots=True)
class Band:
    over: int
    rate: Fraction


@dataclass(frozen=True, slots=True)
class Bands:
    """A band table: the rate of the band that x falls in (○○ 이하 / 초과 …)."""

    rows: tuple[Band, ...]

    def rate_for(self, x: int) -> Fraction:
        rate = self.rows[0].rate
        for r in self.rows:
            if r.over < x:
                rate = r.rate
            else:
                break
        return rate


ParamValue = (
    int
    | str
    | bool
    | date
    | Fraction
    | Decimal
    | Brackets
    | Bands
    | dict[str, Fraction]
    | dict[str, int]
    | dict[str, str]
    | None
)


@dataclass(frozen=True, slots=True)
class Param:
    """One dated version of a parameter.

    `value` is None only when the YAML says ``value: null`` (the rule is explicitly not in force then).
    `jurisdiction` is where the version was found (the 구, its 시·도 or ``kr``).
    """

    value: ParamValue
    ref: str
    effective_from: date
    effective_to: date | None
    jurisdiction: str
    path: str = ""
    note: str = ""

    def covers(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)


_JURISDICTION_RE = re.compile(r"^\d{5}$")


def parents(jurisdiction: str) -> list[str]:
    """The lookup chain: ``"11260"`` → ``["11260", "11000", "kr"]``; ``"11000"`` → ``["11000", "kr"]``."""
    if jurisdiction == NATIONAL:
        return [NATIONAL]
    if not isinstance(jurisdiction, str) or not _JURISDICTION_RE.match(jurisdiction):
        raise InputError("jurisdiction", f"지자체 코드가 올바르지 않습니다: {jurisdiction!r} (행정표준코드 5자리)")
    province = jurisdiction[:2] + "000"
    if province == jurisdiction:
        return [jurisdiction, NATIONAL]
    return [jurisdiction, province, NATIONAL]


# ---------------------------------------------------------------------------------------------------------
# loading


def _err(file: Path, where: str, msg: str) -> ParamSchemaError:
    try:
        shown = file.relative_to(PARAMS_DIR.parent)
    except ValueError:
        shown = file
    return ParamSchemaError(f"{shown}: {where}: {msg}")


def _as_date(file: Path, where: str, key: str, raw: object) -> date:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise _err(file, where, f"{key!r} must be an ISO date, got {raw!r}")


def _won(file: Path, where: str, raw: object, *, signed: bool = False) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise _err(file, where, f"expected an integer amount, got {raw!r}")
    if not signed and raw < 0:
        raise _err(file, where, f"amount must be ≥ 0, got {raw}")
    return raw


def _rate(file: Path, where: str, raw: object) -> Fraction:
    if not isinstance(raw, str):
        raise _err(file, where, f"rates must be quoted strings like \"0.4%\" (no floats), got {raw!r}")
    try:
        return parse_rate(raw)
    except (ValueError, ZeroDivisionError):
        raise _err(file, where, f"cannot read rate {raw!r}") from None


def _rows(file: Path, where: str, raw: object, keys: set[str]) -> list[Mapping[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise _err(file, where, "expected a non-empty list")
    rows: list[Mapping[str, Any]] = []
    for i, row in enumerate(raw):
        if not isinstance(row, dict):
            raise _err(file, f"{where}[{i}]", "expected a mapping")
        for k in row:
            if k not in keys:
                raise _err(file, f"{where}[{i}]", f"unknown key {k!r}")
        for k in keys:
            if k not in row:
                raise _err(file, f"{where}[{i}]", f"missing key {k!r}")
        rows.append(row)
    return rows


def _parse_value(file: Path, where: str, typ: str, raw: object) -> ParamValue:
    if raw is None:
        return None
    if typ == "rate":
        return _rate(file, where, raw)
    if typ == "won":
        return _won(file, where, raw)
    if typ == "int":
        return _won(file, where, raw, signed=True)
    if typ == "bool":
        if not isinstance(raw, bool):
            raise _err(file, where, f"expected true/false, got {raw!r}")
        return raw
    if typ == "text":
        if not isinstance(raw, str):
            raise _err(file, where, f"expected text, got {raw!r}")
        return raw
    if typ == "date":
        return _as_date(file, where, "value", raw)
    if typ == "brackets":
        brs: list[Bracket] = []
        for i, row in enumerate(_rows(file, where, raw, {"over", "base", "rate"})):
            w = f"{where}[{i}]"
            br = Bracket(_won(file, w, row["over"]), _won(file, w, row["base"]), _rate(file, w, row["rate"]))
            if not brs:
                if br.over != 0 or br.base != 0:
                    raise _err(file, w, "the first bracket must be over: 0, base: 0")
            else:
                prev = brs[-1]
                if br.over <= prev.over:
                    raise _err(file, w, "brackets must be sorted by `over`")
                expected = prev.base + (br.over - prev.over) * prev.rate
                if expected != br.base:
                    raise _err(file, w, f"base {br.base} does not match the brackets below it ({expected})")
            brs.append(br)
        return Brackets(tuple(brs))
    if typ == "bands":
        bands: list[Band] = []
        for i, row in enumerate(_rows(file, where, raw, {"over", "rate"})):
            w = f"{where}[{i}]"
            band = Band(_won(file, w, row["over"]), _rate(file, w, row["rate"]))
            if not bands and band.over != 0:
                raise _err(file, w, "the first band must be over: 0")
            if bands and band.over <= bands[-1].over:
                raise _err(file, w, "bands must be sorted by `over`")
            bands.append(band)
        return Bands(tuple(bands))
    if typ in ("rate_table", "won_table"):
        if not isinstance(raw, dict) or not raw:
            raise _err(file, where, "expected a non-empty mapping")
        if typ == "rate_table":
            return {str(k): _rate(file, f"{where}.{k}", v) for k, v in raw.items()}
        return {str(k): _won(file, f"{where}.{k}", v) for k, v in raw.items()}
    if typ == "text_table":
        if not isinstance(raw, dict) or not raw:
            raise _err(file, where, "expected a non-empty mapping")
        out: dict[str, str] = {}
        for k, v in raw.items():
            if not isinstance(v, str) or not v.strip():
                raise _err(file, f"{where}.{k}", f"expected text, got {v!r}")
            out[str(k)] = v
        return out
    raise _err(file, where, f"unknown type {typ!r} (one of {', '.join(TYPES)})")


def _parse_param(file: Path, jurisdiction: str, path: str, node: Mapping[str, Any]) -> list[Param]:
    for k in node:
        if k not in _PARAM_KEYS:
            raise _err(file, path, f"unknown key {k!r} (a parameter has {sorted(_PARAM_KEYS)})")
    typ = node.get("type")
    if typ not in TYPES:
        raise _err(file, path, f"`type` must be one of {', '.join(TYPES)}, got {typ!r}")
    values = node.get("values")
    if not isinstance(values, list) or not values:
        raise _err(file, path, "`values` must be a non-empty list of versions")
    out: list[Param] = []
    for i, v in enumerate(values):
        where = f"{path}.values[{i}]"
        if not isinstance(v, dict):
            raise _err(file, where, "a version must be a mapping")
        for k in v:
            if k not in _VERSION_KEYS:
                raise _err(file, where, f"unknown key {k!r} (a version has {sorted(_VERSION_KEYS)})")
        for k in _REQUIRED_VERSION_KEYS:
            if k not in v:
                raise _err(file, where, f"missing required key {k!r}")
        ref = v["ref"]
        if not isinstance(ref, str) or not ref.strip():
            raise _err(file, where, "`ref` must name the law, article and 부칙")
        start = _as_date(file, where, "from", v["from"])
        end = _as_date(file, where, "to", v["to"]) if v.get("to") is not None else None
        if end is not None and end <= start:
            raise _err(file, where, f"`to` {end} must be after `from` {start}")
        note = v.get("note") or ""
        out.append(
            Param(
                value=_parse_value(file, f"{where}.value", typ, v["value"]),
                ref=ref.strip(),
                effective_from=start,
                effective_to=end,
                jurisdiction=jurisdiction,
                path=path,
                note=str(note),
            )
        )
    out.sort(key=lambda p: p.effective_from)
    for a, b in zip(out, out[1:], strict=False):
        if a.effective_to is None or a.effective_to > b.effective_from:
            raise _err(
                file,
                path,
                f"versions overlap: [{a.effective_from}, {a.effective_to or '…'}) and from {b.effective_from}",
            )
    return out


def _walk(file: Path, jurisdiction: str, prefix: str, node: object, into: dict[str, list[Param]]) -> None:
    if not isinstance(node, dict):
        raise _err(file, prefix, "expected a mapping")
    if "values" in node or "type" in node:
        into[prefix] = _parse_param(file, jurisdiction, prefix, node)
        return
    for k, child in node.items():
        if not isinstance(k, str):
            raise _err(file, prefix, f"unknown key {k!r}")
        if k in _GROUP_KEYS:
            if not isinstance(child, str):
                raise _err(file, f"{prefix}.{k}", "description must be text")
            continue
        if not isinstance(child, dict):
            raise _err(file, prefix, f"unknown key {k!r} (expected a group or a parameter with `values`)")
        _walk(file, jurisdiction, f"{prefix}.{k}", child, into)


@functools.cache
def _load_file(jurisdiction: str, area: str) -> dict[str, list[Param]]:
    """All parameters of one ``params/<jurisdiction>/<area>.yaml`` (empty when the file does not exist)."""
    file = PARAMS_DIR / jurisdiction / f"{area}.yaml"
    if not file.is_file():
        return {}
    return load_path(file, jurisdiction, area)


def load_path(file: Path, jurisdiction: str, area: str) -> dict[str, list[Param]]:
    """Parse and validate one parameter file (uncached; used by `_load_file` and by schema tests)."""
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise _err(file, "(file)", f"not valid YAML: {e}") from None
    into: dict[str, list[Param]] = {}
    if raw is None:
        return into
    _walk(file, jurisdiction, area, raw, into)
    return into


@functools.cache
def _versions(jurisdiction: str, path: str) -> tuple[tuple[date, ...], tuple[Param, ...]]:
    area = path.split(".", 1)[0]
    versions = _load_file(jurisdiction, area).get(path, [])
    return tuple(p.effective_from for p in versions), tuple(versions)


@functools.lru_cache(maxsize=1 << 16)
def find(jurisdiction: str, path: str, on: date) -> Param | None:
    """Like `get` but returns None instead of raising when nothing covers `on` (for existence checks only).

    Memoised: parameters are immutable once loaded, and calculators ask for the same (jurisdiction, path, date)
    over and over (a penalty asks once per month it counts)."""
    for j in parents(jurisdiction):
        starts, versions = _versions(j, path)
        i = bisect_right(starts, on) - 1
        if i >= 0 and versions[i].covers(on):
            return versions[i]
    return None


def get(jurisdiction: str, path: str, on: date, field: str | None = None) -> Param:
    """The version of parameter `path` in force on `on` for `jurisdiction` (구 → 시·도 → kr). `field`: the input
    that chose `on` (tax_year, due_date, …), named in the NoRuleForDate raised when no version covers it."""
    p = find(jurisdiction, path, on)
    if p is None:
        raise NoRuleForDate(path, jurisdiction, on, field=field, label=describe(path),
                            covered=coverage(jurisdiction, path))
    return p


def coverage(jurisdiction: str, path: str) -> str | None:
    """The dates some version of `path` covers for `jurisdiction`, in Korean (``"2010-01-01 ~ 2010-12-31, …"``;
    an open end reads ``"~ (계속)"``); None when no version exists anywhere in the chain."""
    spans: list[tuple[date, date | None]] = []
    for j in parents(jurisdiction):
        spans += [(v.effective_from, v.effective_to) for v in _versions(j, path)[1]]
    if not spans:
        return None
    spans.sort(key=lambda s: s[0])
    merged: list[tuple[date, date | None]] = [spans[0]]
    for start, end in spans[1:]:
        last_start, last_end = merged[-1]
        if last_end is None:
            break
        if start <= last_end:
            merged[-1] = (last_start, None if end is None else max(end, last_end))
        else:
            merged.append((start, end))
    return ", ".join(
        f"{a.isoformat()} ~ " + ("(계속)" if b is None else date.fromordinal(b.toordinal() - 1).isoformat())
        for a, b in merged
    )


@functools.cache
def _descriptions(jurisdiction: str, area: str) -> dict[str, str]:
    """The ``description`` of every group and parameter of one parameter file, by dotted path."""
    file = PARAMS_DIR / jurisdiction / f"{area}.yaml"
    if not file.is_file():
        return {}
    raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    out: dict[str, str] = {}

    def walk(prefix: str, node: object) -> None:
        if not isinstance(node, dict):
            return
        d = node.get("description")
        if isinstance(d, str):
            out[prefix] = d
        if "values" in node:
            return
        for k, child in node.items():
            if k != "description":
                walk(f"{prefix}.{k}", child)

    walk(area, raw)
    return out


def _first_clause(text: str) -> str:
    text = " ".join(text.split())
    for sep in (" (", " — ", " - ", ": ", ". ", "; "):
        i = text.find(sep)
        if i > 0:
            text = text[:i]
    return text.strip()


def describe(path: str) -> str | None:
    """A short Korean name for parameter `path`: the first clause of each description along the path, from the
    national file (``"재산세 · 소액 징수면제"``); None when the files describe nothing on the path."""
    area = path.split(".", 1)[0]
    names: list[str] = []
    for d in [NATIONAL, *sorted(x.name for x in PARAMS_DIR.iterdir() if x.is_dir() and x.name != NATIONAL)]:
        desc = _descriptions(d, area)
        if not desc:
            continue
        parts = path.split(".")
        for i in range(1, len(parts) + 1):
            text = desc.get(".".join(parts[:i]))
            if text:
                clause = _first_clause(text)
                if clause and clause not in names:
                    names.append(clause)
        if names:
            break
    return " · ".join(names) or None


def exists(path: str) -> bool:
    """Whether any jurisdiction defines parameter `path` (for tests and tooling)."""
    area = path.split(".", 1)[0]
    return any(path in _load_file(d.name, area) for d in PARAMS_DIR.iterdir() if d.is_dir())


# ---------------------------------------------------------------------------------------------------------
# typed accessors (mypy-friendly); each raises NoRuleForDate when nothing covers `on`, and ParamSchemaError when
# the parameter has another type or is `null` then.


def typed_value(p: Param, kind: type) -> Any:
    """`p.value`, checked to be a `kind` (a bool is no int); ParamSchemaError names the parameter otherwise."""
    v = p.value
    if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
        raise ParamSchemaError(f"{p.path} ({p.jurisdiction}, from {p.effective_from}) is not a {kind.__name__}")
    return v


def _typed(jurisdiction: str, path: str, on: date, kind: type) -> Param:
    p = get(jurisdiction, path, on)
    typed_value(p, kind)
    return p


def get_rate(jurisdiction: str, path: str, on: date) -> Fraction:
    v = _typed(jurisdiction, path, on, Fraction).value
    assert isinstance(v, Fraction)
    return v


def get_won(jurisdiction: str, path: str, on: date) -> int:
    v = _typed(jurisdiction, path, on, int).value
    assert isinstance(v, int)
    return v


def get_brackets(jurisdiction: str, path: str, on: date) -> Brackets:
    v = _typed(jurisdiction, path, on, Brackets).value
    assert isinstance(v, Brackets)
    return v


def get_bands(jurisdiction: str, path: str, on: date) -> Bands:
    v = _typed(jurisdiction, path, on, Bands).value
    assert isinstance(v, Bands)
    return v


_DERIVED_CACHES: list[Callable[[], None]] = []


def register_derived_cache(clear: Callable[[], None]) -> None:
    """A calculator that memoises something computed from parameters registers how to forget it."""
    _DERIVED_CACHES.append(clear)


def clear_cache() -> None:
    """Forget loaded files and everything computed from them (tests that write parameter files use this)."""
    _load_file.cache_clear()
    _descriptions.cache_clear()
    _versions.cache_clear()
    find.cache_clear()
    for clear in _DERIVED_CACHES:
        clear()
