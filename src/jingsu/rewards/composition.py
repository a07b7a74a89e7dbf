"""Who sits on a 세입징수공적심사위원회, per ordinance, and the check of a committee's roll against it.

The numbers are the law's: `reward.committee.*` in src/jingsu/law/params/<code>/reward.yaml (each with its article),
so a third district's committee is a data change like its rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jingsu.rewards.models import Committee, CommitteeMember


@dataclass(frozen=True)
class Composition:
    size_min: int
    size_max: int
    internal_members: int | None  # 과장급 members besides the chair (None: any number within the size)
    external_members: int  # external experts
    external_term_years: int | None
    ref: str


def composition_for(jurisdiction: str, on: date) -> Composition:
    rule = _from_law(jurisdiction, on)
    if rule is None:
        from jingsu.rewards.models import RewardError

        raise RewardError("jurisdiction", f"{jurisdiction}: {on}에 적용할 공적심사위원회 구성 기준(조례)이 "
                                          "jingsu.law에 없습니다 (reward.committee.*).")
    return rule


def barred_article(jurisdiction: str, on: date) -> str:
    """The article that bars a claimant member and sets the quorum (영등포 제5조⑥, 중랑 제5조⑤)."""
    from jingsu.law import params

    p = params.find(jurisdiction, "reward.committee.barred_ref", on)
    return str(p.value) if p is not None else "조례"


def _from_law(jurisdiction: str, on: date) -> Composition | None:
    try:
        from jingsu.law import params
    except ImportError:  # pragma: no cover
        return None
    try:
        size_min = params.find(jurisdiction, "reward.committee.size_min", on)
        size_max = params.find(jurisdiction, "reward.committee.size_max", on)
    except Exception:  # noqa: BLE001 - no reward parameters: fall back to the table
        return None
    if size_min is None or size_max is None:
        return None
    internal = params.find(jurisdiction, "reward.committee.internal_members", on)
    external = params.find(jurisdiction, "reward.committee.external_members", on)
    term = params.find(jurisdiction, "reward.committee.external_term_years", on)
    return Composition(
        int(size_min.value),  # type: ignore[arg-type]
        int(size_max.value),  # type: ignore[arg-type]
        int(internal.value) if internal is not None and internal.value is not None else None,  # type: ignore[arg-type]
        int(external.value) if external is not None and external.value is not None else 0,  # type: ignore[arg-type]
        int(term.value) if term is not None and term.value is not None else None,  # type: ignore[arg-type]
        size_min.ref,
    )


def composition_problems(committee: Committee, on: date) -> list[str]:
    """What is wrong with the committee's roll on `on` (Korean, one line each); empty when it is as the ordinance says."""
    rule = composition_for(committee.jurisdiction_id, on)
    roll = committee.roll(on)
    problems = []
    if not rule.size_min <= len(roll) <= rule.size_max:
        want = f"{rule.size_min}명" if rule.size_min == rule.size_max else f"{rule.size_min}~{rule.size_max}명"
        problems.append(f"재적위원이 {len(roll)}명입니다. {want}이어야 합니다 ({rule.ref}).")
    chairs = [m for m in roll if m.role == CommitteeMember.Role.CHAIR]
    if len(chairs) != 1:
        problems.append(f"위원장이 {len(chairs)}명입니다. 소관국장 1명이어야 합니다 ({rule.ref}).")
    elif chairs[0].kind != CommitteeMember.Kind.INTERNAL:
        problems.append(f"위원장은 소관국장(내부 공무원)이어야 합니다 ({rule.ref}).")
    internal = [m for m in roll if m.role == CommitteeMember.Role.MEMBER and m.kind == CommitteeMember.Kind.INTERNAL]
    external = [m for m in roll if m.kind == CommitteeMember.Kind.EXTERNAL]
    if rule.internal_members is not None and len(internal) != rule.internal_members:
        problems.append(f"과장급 위원이 {len(internal)}명입니다. {rule.internal_members}명이어야 합니다 ({rule.ref}).")
    if len(external) != rule.external_members:
        problems.append(f"외부 전문가 위원이 {len(external)}명입니다. {rule.external_members}명이어야 합니다 ({rule.ref}).")
    if rule.external_term_years is not None:
        for m in external:
            if m.term_end is None or m.term_end > _add_years(m.term_start, rule.external_term_years):
                problems.append(f"외부 위원 {m.name}의 임기가 {rule.external_term_years}년을 넘습니다 ({rule.ref}).")
    return problems


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)
