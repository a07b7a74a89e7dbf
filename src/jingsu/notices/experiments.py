"""Experiments: a campaign with several arms besides its control group (docs/experiments.md).

An arm is a template version of the alert and the document (every arm passes the same required-item check, so every
arm is a lawful, complete notice), optionally with its own channel order and its own send moment. The flow:

1. `set_arms` on a draft campaign of an informational kind (안내문; never a 고지서·독촉장 or an enforcement step: the
   law fixes those): the arms, their shares (with the control group's, 100 %), optionally the strata.
2. `preregister`: the hypothesis, the primary outcome, its window, the smallest effect worth detecting and the
   baseline expected for the power — before approval; `power` shows what the chosen sizes can detect.
3. The build assigns each taxpayer once (`Assigner`): permuted blocks within each stratum, drawn from the campaign's
   recorded seed (`Campaign.control_seed`), so the same seed and the same roll give the same groups.
4. Approval refuses an experiment without its record (`problems`) and freezes it (`freeze`): from then on the record
   cannot change, and the report prints it.

The analysis is in jingsu.reports.experiments.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Count

from jingsu.clock import Clock
from jingsu.core import audit
from jingsu.korean import josa
from jingsu.notices.documents import missing_required_items, wording_problems
from jingsu.notices.models import Arm, Campaign, Experiment, Notice, NoticeTemplate, channel_order_problem
from jingsu.stats import power_two_means, power_two_proportions
from jingsu.taxpayers.models import Taxpayer, TaxpayerCI

LABELS = ("A", "B", "C", "D", "E")
MAX_ARMS = len(LABELS)
#: the office's amount bands for stratifying (won; not a legal figure): below 100,000, below 1,000,000, the rest
AMOUNT_BANDS = (100_000, 1_000_000)
#: arrears at least this many days old form the older stratum (about a year)
OLD_ARREARS_DAYS = 365
OUTCOMES = Experiment.Outcome


class ExperimentError(Exception):
    """An experiment that cannot be set up as asked (message in Korean, for the official)."""


@dataclass(frozen=True)
class ArmSpec:
    """What the official chooses for one arm."""

    name: str
    template: NoticeTemplate
    share: int
    channels: list[str] | None = None
    send_at: datetime | None = None


def check_channels(channels: list[str]) -> None:
    """An arm's channel order follows the campaign's rule (`channel_order_problem`)."""
    problem = channel_order_problem(channels)
    if problem:
        raise ExperimentError(problem)


def set_arms(campaign: Campaign, arms: list[ArmSpec], *, stratify: list[str] | None = None, actor: str,
             clock: Clock) -> list[Arm]:
    """Replace the arms of a draft campaign. The shares of the arms and of the control group add up to 100."""
    if campaign.status != Campaign.Status.DRAFT:
        raise ExperimentError("비교군은 대상을 확정하기 전(작성 중)에만 정할 수 있습니다.")
    if campaign.legal_nature != Campaign.LegalNature.NOTICE:
        raise ExperimentError(f"{josa(campaign.get_kind_display(), '은')} 법이 정한 서류라 문구 실험을 할 수 "
                              "없습니다. 안내문 캠페인에서만 비교군을 둘 수 있습니다.")
    if not 2 <= len(arms) <= MAX_ARMS:
        raise ExperimentError(f"비교군은 2개부터 {MAX_ARMS}개까지 둘 수 있습니다.")
    for i, a in enumerate(arms):
        where = f"비교군 {LABELS[i]}"
        if not a.name.strip():
            raise ExperimentError(f"{where}: 이름을 입력하세요.")
        if a.template.kind != campaign.kind:
            raise ExperimentError(f"{where}: 서식({a.template})의 종류가 캠페인 종류와 다릅니다.")
        if not a.template.active:
            raise ExperimentError(f"{where}: 사용 중지된 서식입니다 ({a.template}).")
        missing = missing_required_items(a.template)
        if missing:
            raise ExperimentError(f"{where}: 서식({a.template})에 필수 기재사항이 빠져 있습니다: {', '.join(missing)}")
        claims = wording_problems(campaign, a.template)  # a data-filled claim the records do not support
        if claims:
            raise ExperimentError(f"{where}: {' '.join(claims)}")
        if a.share < 1:
            raise ExperimentError(f"{where}: 배정 비율은 1% 이상이어야 합니다.")
        if a.channels is not None:
            check_channels(a.channels)
        if a.send_at is not None and a.send_at < clock.now():
            raise ExperimentError(f"{where}: 발송 시각이 이미 지났습니다.")
    total = sum(a.share for a in arms) + campaign.control_share
    if total != 100:
        raise ExperimentError(f"비교군과 대조군의 배정 비율 합계가 100%여야 합니다 (지금 {total}%).")
    strata = list(dict.fromkeys(stratify or []))
    unknown = set(strata) - set(Experiment.Stratum.values)
    if unknown:
        raise ExperimentError(f"알 수 없는 층화 기준: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        Campaign.objects.select_for_update().get(pk=campaign.pk)
        campaign.arms.all().delete()
        rows = [Arm.objects.create(campaign=campaign, label=LABELS[i], name=a.name.strip(), template=a.template,
                                   share=a.share, channels=a.channels, send_at=a.send_at)
                for i, a in enumerate(arms)]
        campaign.strata = strata
        campaign.save(update_fields=["strata"])
        audit.record("experiment.arms", actor=actor, jurisdiction=campaign.jurisdiction_id, target=campaign,
                     clock=clock, detail={"arms": [[r.label, r.name, r.template.version, r.share, r.channels,
                                                    r.send_at.isoformat() if r.send_at else None] for r in rows],
                                          "control_share": campaign.control_share, "stratify": strata})
    return rows


def preregister(campaign: Campaign, *, hypothesis: str, outcome: str, window_days: int, min_effect: float,
                baseline: float, spread: float | None = None, confidence: float = 0.95, actor: str, clock: Clock) -> Experiment:
    """Record (or, before approval, rewrite) the experiment's pre-registration."""
    if not campaign.arms.exists():
        raise ExperimentError("비교군이 없는 캠페인입니다. 먼저 비교군을 정하세요.")
    if campaign.status not in (Campaign.Status.DRAFT, Campaign.Status.BUILT):
        raise ExperimentError("실험 설계는 승인 전에만 기록할 수 있습니다.")
    errors = []
    if not hypothesis.strip():
        errors.append("가설을 입력하세요.")
    if outcome not in OUTCOMES.values:
        errors.append(f"주요 결과 지표는 {', '.join(OUTCOMES.labels)} 중 하나여야 합니다.")
    if not 1 <= window_days <= 90:
        errors.append("관찰 기간은 1–90일이어야 합니다.")
    if not min_effect > 0:
        errors.append("최소 효과 크기는 0보다 커야 합니다.")
    if outcome == OUTCOMES.PAID and not 0 < baseline < 100:
        errors.append("기준 납부율 예상은 0%보다 크고 100%보다 작아야 합니다.")
    if outcome == OUTCOMES.PAID and min_effect >= 100:
        errors.append("최소 효과 크기(%p)는 100보다 작아야 합니다.")
    if outcome == OUTCOMES.AMOUNT and not (spread and spread > 0):
        errors.append("안내문당 징수액을 결과 지표로 하려면 징수액 표준편차 예상(원)을 입력하세요.")
    if not 0.8 <= confidence < 1:
        errors.append("신뢰수준은 0.8 이상 1 미만이어야 합니다.")
    if errors:
        raise ExperimentError(" ".join(errors))
    values = dict(hypothesis=hypothesis.strip(), outcome=outcome, window_days=window_days, min_effect=min_effect,
                  baseline=baseline, spread=spread, confidence=confidence)
    with transaction.atomic():
        exp = Experiment.objects.select_for_update().filter(campaign=campaign).first()
        if exp is not None and exp.frozen_at is not None:
            raise ExperimentError("승인 때 고정된 실험 설계는 고칠 수 없습니다.")
        if exp is None:
            exp = Experiment(campaign=campaign, created_by=actor, created_at=clock.now(), **values)
        else:
            for k, v in values.items():
                setattr(exp, k, v)
        exp.save()
        audit.record("experiment.register", actor=actor, jurisdiction=campaign.jurisdiction_id, target=campaign,
                     clock=clock, detail={k: v for k, v in values.items() if k != "hypothesis"})
    return exp


# --- assignment ----------------------------------------------------------------------------------------------------


class Assigner:
    """Draws each taxpayer's group at the build: permuted blocks within each stratum, from the campaign's seed.

    The block holds each group (control, A, B …) in proportion to its share (shares divided by their greatest common
    divisor); a block is shuffled by `random.Random` seeded with the campaign's seed, the stratum and the block's
    number, and taxpayers take its places in the order the build meets them (taxpayer id). So the groups are
    balanced within every stratum, and the same seed over the same roll gives the same groups."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.arms = list(campaign.arms.order_by("label"))
        self.strata = list(campaign.strata)
        groups: list[int | None] = []
        shares = [campaign.control_share, *(a.share for a in self.arms)]
        g = 0
        for s in shares:
            g = math.gcd(g, s)
        for arm_id, share in zip([None, *(a.pk for a in self.arms)], shares, strict=True):
            groups += [arm_id] * (share // g if g else 0)
        self._template = groups  # None = the control group
        self._blocks: dict[str, tuple[int, list[int | None]]] = {}
        self._reachable: set[int] | None = None
        if Experiment.Stratum.REACH in self.strata:
            self._reachable = reachable_taxpayers(campaign)

    @property
    def active(self) -> bool:
        return bool(self.arms)

    def stratum(self, taxpayer_id: int, total: int, oldest_due: date | None) -> str:
        parts = []
        for s in self.strata:
            if s == Experiment.Stratum.AMOUNT:
                parts.append(f"a{sum(1 for b in AMOUNT_BANDS if total >= b)}")
            elif s == Experiment.Stratum.AGE:
                old = oldest_due is not None and (self.campaign.as_of - oldest_due).days >= OLD_ARREARS_DAYS
                parts.append("old" if old else "new")
            elif s == Experiment.Stratum.REACH:
                parts.append("e" if self._reachable is not None and taxpayer_id in self._reachable else "p")
        return "/".join(parts)

    def draw(self, taxpayer_id: int, total: int, oldest_due: date | None) -> int | None:
        """The arm id of this taxpayer, or None for the control group."""
        key = self.stratum(taxpayer_id, total, oldest_due)
        number, block = self._blocks.get(key, (0, []))
        if not block:
            number += 1
            block = list(self._template)
            random.Random(f"{self.campaign.control_seed}:{key}:{number}").shuffle(block)
        arm = block.pop()
        self._blocks[key] = (number, block)
        return arm


def reachable_taxpayers(campaign: Campaign) -> set[int]:
    """The campaign's jurisdiction's individuals an electronic channel can reach on record (a CI found or a mobile
    number, not refusing): the 'reach' stratum."""
    people = Taxpayer.objects.filter(jurisdiction=campaign.jurisdiction, opt_out=False,
                                     kind=Taxpayer.Kind.INDIVIDUAL)
    with_ci = set(TaxpayerCI.objects.filter(taxpayer__in=people).exclude(ci_hash="")
                  .values_list("taxpayer_id", flat=True))
    return with_ci | set(people.exclude(mobile="").values_list("pk", flat=True))


# --- power, approval ----------------------------------------------------------------------------------------------


def group_sizes(campaign: Campaign) -> dict[str, int]:
    """Notices per group after the build: "control" and each arm's label."""
    sizes = {"control": Notice.objects.filter(campaign=campaign, control_group=True).count()}
    for label, n in (Arm.objects.filter(campaign=campaign).order_by("label")
                     .annotate(n=Count("notices")).values_list("label", "n")):
        sizes[label] = n
    return sizes


def comparisons(labels: list[str], *, control: bool) -> list[tuple[str, str]]:
    """The comparisons an experiment reports, in order: each arm against the control group, then the arms
    pairwise (B against A …)."""
    pairs = [(a, "control") for a in labels] if control else []
    pairs += [(b, a) for i, a in enumerate(labels) for b in labels[i + 1:]]
    return pairs


def power(exp: Experiment, sizes: dict[str, int]) -> float:
    """The smallest power over the experiment's comparisons between arms (the question it was set up for), at the
    recorded minimum effect, with the family-wise level split over all its comparisons (Bonferroni, as the report
    adjusts), for the group sizes given."""
    labels = [k for k in sizes if k != "control"]
    pairs = comparisons(labels, control=sizes.get("control", 0) > 0)
    arm_pairs = [p for p in pairs if p[1] != "control"] or pairs
    alpha = (1 - exp.confidence) / max(len(pairs), 1)
    worst = 1.0
    for b, a in arm_pairs:
        if exp.outcome == OUTCOMES.PAID:
            p = power_two_proportions(exp.baseline / 100, exp.min_effect / 100, sizes[a], sizes[b], alpha=alpha)
        else:
            p = power_two_means(exp.spread or 0.0, exp.min_effect, sizes[a], sizes[b], alpha=alpha)
        worst = min(worst, p)
    return worst


def problems(campaign: Campaign) -> list[str]:
    """Why an experiment cannot be approved as it stands (Korean); empty when it can, or when there is none."""
    arms = list(campaign.arms.select_related("template"))
    if not arms:
        return []
    out = []
    exp = Experiment.objects.filter(campaign=campaign).first()
    if exp is None:
        out.append("실험 설계(가설, 주요 결과 지표, 관찰 기간, 최소 효과 크기)가 기록되지 않았습니다. "
                   "승인 전에 기록하세요.")
    for arm in arms:
        missing = missing_required_items(arm.template)
        if missing:
            out.append(f"비교군 {arm.label}의 서식({arm.template})에 필수 기재사항이 빠져 있습니다: {', '.join(missing)}")
        out += [f"비교군 {arm.label}: {p}" for p in wording_problems(campaign, arm.template)]
    return out


def freeze(campaign: Campaign, *, actor: str, now: datetime) -> None:
    """Freeze the pre-registration at approval, with the power for the built sizes (inside the approval's
    transaction)."""
    exp = Experiment.objects.select_for_update().filter(campaign=campaign).first()
    if exp is None:
        return
    exp.power = round(power(exp, group_sizes(campaign)), 4)
    exp.frozen_by, exp.frozen_at = actor, now
    exp.save()
