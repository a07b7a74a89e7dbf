"""The Korean holiday calendar (공휴일·대체공휴일·임시공휴일, 근로자의 날·노동절) as data.

The calendar is ``params/holidays.yaml`` (a file an official can read and correct): every day carries its kind,
its name and its legal reference; the file says which years it covers completely. A question about a date in a year
the calendar does not cover raises `NoRuleForDate` (rule ``holidays``): a deadline must never be computed against a
calendar that silently lacks that year's holidays.

An office adds days (a newly designated 임시공휴일) or whole years without a release, in its own YAML file of the same
shape, given to ``jingsu calc --holidays FILE`` or listed in the environment variable ``JINGSU_HOLIDAY_FILES``
(paths separated by ``os.pathsep``), which the application also reads. See docs/calc.md §5.

Extra file schema (the shipped file has the same keys)::

    description: 2028년 달력 (인사혁신처 발표)          # optional
    covers: {from: 2028, to: 2028}                   # optional: the years this file lists COMPLETELY
    sources: {S1: "관보 제…호 (2028.…)"}              # optional
    days:
      - {date: 2028-01-01, kind: public, name: 1월 1일, ref: 관공서의 공휴일에 관한 규정 제2조3호}

``kind`` is one of `KINDS`. A day must lie in a covered year (of this file or of the files loaded before it); a day
already listed (same date and name) is merged, so an office file stays valid when a release ships the same day.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from jingsu.law.errors import NoRuleForDate, ParamSchemaError

CALENDAR_FILE = Path(__file__).parent / "params" / "holidays.yaml"
ENV_VAR = "JINGSU_HOLIDAY_FILES"

#: Kinds of day in the calendar. `saturday` and `sunday` are not listed in files: they come from the weekday.
KINDS: Mapping[str, str] = {
    "public": "공휴일",
    "substitute": "대체공휴일",
    "temporary": "임시공휴일",
    "workers_day": "근로자의 날·노동절",
}
WEEKDAY_KINDS = ("saturday", "sunday")

_FILE_KEYS = {"description", "covers", "sources", "days", "note"}
_DAY_KEYS = {"date", "kind", "name", "ref", "note"}


@dataclass(frozen=True, slots=True)
class Holiday:
    day: date
    kind: str
    name: str
    ref: str


class HolidayCalendar:
    """Holidays by date, for the years in `years` (complete lists); immutable."""

    def __init__(self, days: Iterable[Holiday], years: Iterable[int], files: Iterable[str] = ()) -> None:
        by_day: dict[date, list[Holiday]] = {}
        for h in days:
            by_day.setdefault(h.day, []).append(h)
        self._days: dict[date, tuple[Holiday, ...]] = {d: tuple(hs) for d, hs in by_day.items()}
        self.years: frozenset[int] = frozenset(years)
        self.files: tuple[str, ...] = tuple(files)

    def covers(self, d: date) -> bool:
        return d.year in self.years

    def on(self, d: date) -> tuple[Holiday, ...]:
        """The holidays listed for `d` (empty on an ordinary day). Raises `NoRuleForDate` outside the years."""
        if not self.covers(d):
            raise NoRuleForDate("holidays", "kr", d)
        return self._days.get(d, ())

    def kinds_on(self, d: date) -> tuple[str, ...]:
        """The kinds of day `d` is: ``saturday``/``sunday`` from the weekday, plus those of its listed holidays."""
        wd = d.weekday()
        weekday: tuple[str, ...] = (WEEKDAY_KINDS[wd - 5],) if wd >= 5 else ()
        return weekday + tuple(h.kind for h in self.on(d))

    def closed(self, d: date, kinds: Collection[str]) -> bool:
        """Whether `d` is any of `kinds` (e.g. the days on which 지방세기본법 제24조 moves a 기한)."""
        return any(k in kinds for k in self.kinds_on(d))

    def all_days(self) -> list[Holiday]:
        return [h for d in sorted(self._days) for h in self._days[d]]


def _err(file: Path, where: str, msg: str) -> ParamSchemaError:
    return ParamSchemaError(f"{file.name}: {where}: {msg}")


def _year(file: Path, where: str, raw: object) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1900 <= raw <= 2999:
        raise _err(file, where, f"a year (e.g. 2028) is needed, not {raw!r}")
    return raw


def _read(file: Path, years: set[int]) -> list[Holiday]:
    """Parse one calendar file; add its `covers` years to `years`; return its days (checked against `years`)."""
    try:
        raw: Any = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as e:
        raise ParamSchemaError(f"{file}: cannot read the holiday file ({e.strerror})") from None
    except (yaml.YAMLError, ValueError) as e:  # ValueError: a date like 2025-13-01
        raise _err(file, "(file)", f"not valid YAML: {e}") from None
    if not isinstance(raw, dict):
        raise _err(file, "(file)", "a mapping with `days` is needed")
    for k in raw:
        if k not in _FILE_KEYS:
            raise _err(file, "(file)", f"unknown key {k!r}")
    covers = raw.get("covers")
    if covers is not None:
        if not isinstance(covers, dict) or set(covers) != {"from", "to"}:
            raise _err(file, "covers", "`{from: YEAR, to: YEAR}` is needed")
        first, last = _year(file, "covers.from", covers["from"]), _year(file, "covers.to", covers["to"])
        if last < first:
            raise _err(file, "covers", "`to` is before `from`")
        years.update(range(first, last + 1))
    days = raw.get("days") or []
    if not isinstance(days, list):
        raise _err(file, "days", "a list is needed")
    out: list[Holiday] = []
    seen: set[tuple[date, str]] = set()
    for i, entry in enumerate(days):
        where = f"days[{i}]"
        if not isinstance(entry, dict):
            raise _err(file, where, "a mapping {date, kind, name, ref} is needed")
        for k in entry:
            if k not in _DAY_KEYS:
                raise _err(file, where, f"unknown key {k!r}")
        d = entry.get("date")
        if not isinstance(d, date):
            raise _err(file, where, f"`date` must be an ISO date (YYYY-MM-DD), not {d!r}")
        kind, name, ref = entry.get("kind"), entry.get("name"), entry.get("ref")
        if kind not in KINDS:
            raise _err(file, where, f"`kind` must be one of {', '.join(KINDS)}, not {kind!r}")
        if not isinstance(name, str) or not name.strip():
            raise _err(file, where, "`name` is needed")
        if not isinstance(ref, str) or not ref.strip():
            raise _err(file, where, "`ref` (law and article, or the designation) is needed")
        if d.year not in years:
            raise _err(file, where, f"{d.isoformat()} lies outside the covered years; add `covers` for {d.year}")
        if (d, name) in seen:
            raise _err(file, where, f"{d.isoformat()} {name} is listed twice")
        seen.add((d, name))
        out.append(Holiday(d, str(kind), name, ref))
    return out


def load(files: Iterable[Path | str]) -> HolidayCalendar:
    """The calendar made of `files`, in order (the first usually `CALENDAR_FILE`)."""
    years: set[int] = set()
    days: list[Holiday] = []
    names: list[str] = []
    known: set[tuple[date, str]] = set()
    for f in files:
        path = Path(f)
        for h in _read(path, years):  # a day an earlier file already lists (same date and name) is merged
            if (h.day, h.name) not in known:
                known.add((h.day, h.name))
                days.append(h)
        names.append(str(path))
    return HolidayCalendar(days, years, names)


def env_files() -> tuple[str, ...]:
    """The extra calendar files named in ``JINGSU_HOLIDAY_FILES`` (empty when unset)."""
    raw = os.environ.get(ENV_VAR, "")
    return tuple(p for p in raw.split(os.pathsep) if p.strip())


_extra_files: tuple[str, ...] = ()


def use_extra_files(files: Iterable[Path | str]) -> None:
    """Add `files` to the default calendar of this process (``jingsu calc --holidays FILE``)."""
    global _extra_files
    _extra_files = tuple(str(f) for f in files)


@functools.lru_cache(maxsize=8)
def _cached(files: tuple[str, ...]) -> HolidayCalendar:
    return load((CALENDAR_FILE, *files))


def default_calendar() -> HolidayCalendar:
    """The shipped calendar plus the office's files (``JINGSU_HOLIDAY_FILES``, then `use_extra_files`)."""
    return _cached(env_files() + _extra_files)
