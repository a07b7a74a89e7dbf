"""The experiment report: what a campaign's arms achieved against each other and against the control group,
measured as the pre-registration said (jingsu.notices.experiments; docs/reports.md, "Experiments").

Outcome (intention to treat). The experiment *starts* at the campaign's first send: the earliest
`DeliveryAttempt.sent_at` over its notices (before that there is no result). Its window is
[start, start + window_days] of the frozen pre-registration. For every notice of the campaign — each arm's and the
control group's, whether or not it was delivered, read or sent at all — a notice is *paid* when some money was
allocated (`payments.Allocation`, the refund part of an overpayment excepted: no levy's money) to a levy on its lines
from a payment received within the window (and not after the report's moment); its *amount* is the sum of those
allocations. Every group is measured
from the same start over the same window, by the group it was assigned to, not by what happened to it.

This deliberately does not use the attribution rule of the effect reports (`payments.attribution.credits`, which
credits a payment to the notice received most recently before it): an arm sent later (`Arm.send_at`) would lose the
payments its taxpayers made before its notices went out, and those taxpayers are exactly the comparison the
randomisation made fair. Counting from the common start keeps the groups comparable; a later send is part of the arm.

The window is *complete* when start + window ≤ the report's moment (`now`, from the caller's clock); until then the
report counts the payments received so far, says `"complete": false`, and every verdict says the result is
provisional.

Comparisons, in the order `notices.experiments.comparisons` gives (each arm against the control group, then the arms
pairwise): the difference of paid rates (Newcombe's hybrid score interval) and of amount per notice (Welch's normal
interval). The intervals are Bonferroni intervals at the experiment's family confidence (`bonferroni_z(m)`), so that
every printed interval holds simultaneously; the decisions are Holm-adjusted p-values (pooled two-proportion z-test
for the rate, Welch's z for the amount) against 1 − confidence. The unadjusted 95 % interval is given for reference.
"""

from __future__ import annotations

import html
import io
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Min, Sum

from jingsu.clock import SEOUL
from jingsu.delivery.models import DeliveryAttempt
from jingsu.korean import josa, kdate, won
from jingsu.notices import experiments
from jingsu.notices.models import Campaign, Channel, Experiment, Notice, NoticeLine
from jingsu.payments.models import Allocation
from jingsu.reports.common import SENT, XLSX_FORMATS, moment, pct, xlsx_label_rows
from jingsu.stats import Z95, bonferroni_z, holm, newcombe, normal_p, two_proportion_p, welch, wilson, z_for

SCHEMA = "jingsu.reports.experiment/1"
CONTROL = "control"
CONTROL_LABEL = "대조군"
CONTROL_NAME = "안내문을 받지 않은 대조군"
#: below this power a group is smaller than an experiment needs (the usual planning target)
POWER_TARGET = 0.8
OUTCOME_LABELS = dict(Experiment.Outcome.choices)
STRATUM_LABELS = dict(Experiment.Stratum.choices)
CHANNEL_LABELS = dict(Channel.choices)
ADJUSTMENT = {
    "decisions": "holm",
    "intervals": "bonferroni",
    "why": (
        "Holm's step-down adjustment for the decisions: it keeps the family-wise error rate at 1 - confidence under "
        "any dependence between the tests, and the comparisons are dependent (they share groups). Bonferroni "
        "intervals (each at 1 - (1 - confidence)/m) so that every printed interval holds simultaneously and an "
        "interval that excludes 0 is also a Holm rejection (up to the score interval's small difference from the "
        "z-test for the rate). Both are conservative, which costs little for the few "
        "comparisons an office runs."
    ),
}
ADJUSTMENT_TEXT = (
    "비교를 여러 건 하면 우연히 차이가 나 보일 가능성이 커지므로 보정했습니다. 차이가 있는지는 홀름 방법으로 보정한 "
    "유의확률로 판단하고(비교들이 같은 집단을 함께 쓰더라도 잘못 판단할 확률 전체를 신뢰수준 밖으로 묶습니다), "
    "신뢰구간은 본페로니 방법으로 넓혀 모든 구간이 동시에 성립하게 했습니다. 두 방법 모두 보수적이지만 "
    "비교가 몇 건뿐이라 손실이 작습니다."
)


class NoExperiment(Exception):
    """The campaign has no experiment (message in Korean)."""


# --- measuring -------------------------------------------------------------------------------------------------------


def experiment_report(campaign: Campaign, *, now: datetime) -> dict[str, Any]:
    """The experiment report of `campaign` as of `now` (JSON-ready dict)."""
    exp = Experiment.objects.filter(campaign=campaign).first()
    if exp is None:
        raise NoExperiment(f"캠페인 {josa(campaign.pk, '은')} 실험(비교군과 사전 등록)이 없는 캠페인입니다.")
    arms = list(campaign.arms.select_related("template").order_by("label"))
    labels = [a.label for a in arms]
    rows = list(Notice.objects.filter(campaign=campaign).values_list("pk", "arm__label", "control_group", "read_at"))
    has_control = any(control for _, _, control, _ in rows)
    keys = ([CONTROL] if has_control else []) + labels
    members: dict[str, list[tuple[int, datetime | None]]] = {k: [] for k in keys}
    for pk, label, control, read_at in rows:
        key = CONTROL if control else label
        if key in members:
            members[key].append((pk, read_at))

    sent = DeliveryAttempt.objects.filter(notice__campaign=campaign, sent_at__isnull=False)
    start: datetime | None = sent.aggregate(first=Min("sent_at"))["first"]
    first_by_arm = dict(sent.values("notice__arm__label").annotate(first=Min("sent_at"))
                        .values_list("notice__arm__label", "first"))
    cost_by_arm = dict(DeliveryAttempt.objects.filter(notice__campaign=campaign, status__in=SENT)
                       .values("notice__arm__label").annotate(cost=Sum("cost"))
                       .values_list("notice__arm__label", "cost"))
    window = timedelta(days=exp.window_days)
    end = start + window if start is not None else None
    complete = end is not None and end <= now
    paid = _paid(campaign, start, min(end, now)) if start is not None and end is not None else {}

    groups = []
    for key in keys:
        arm = next((a for a in arms if a.label == key), None)
        group = _group(key, arm, members[key], paid, start, exp.window_days, exp.confidence)
        group["first_sent_at"] = None if arm is None else _iso(first_by_arm.get(arm.label))
        group["cost"] = 0 if arm is None else int(cost_by_arm.get(arm.label) or 0)
        group["cost_per_won"] = round(group["cost"] / group["amount"], 6) if group["amount"] else None
        groups.append(group)

    report: dict[str, Any] = {
        "schema": SCHEMA,
        "campaign": campaign.pk,
        "name": campaign.name,
        "campaign_as_of": campaign.as_of.isoformat(),
        "jurisdiction": campaign.jurisdiction_id,
        "as_of": _iso(now),
        "as_of_text": moment(now),
        "started": start is not None,
        "start": _iso(start),
        "end": _iso(end),
        "start_text": moment(start),
        "end_text": moment(end),
        "complete": complete,
        "primary": exp.outcome,
        "primary_label": OUTCOME_LABELS[exp.outcome],
        "preregistration": _preregistration(exp, campaign),
        "groups": groups,
    }
    if start is None:
        report.update(comparisons=[], adjustment=None, verdicts=[], summary="아직 발송하지 않아 결과가 없습니다.")
    else:
        comps, adjustment = _comparisons(exp, groups, {k: members[k] for k in keys}, paid, has_control, complete)
        report.update(comparisons=comps, adjustment=adjustment, verdicts=[c["verdict"] for c in comps],
                      summary=(f"관찰 기간 {moment(start)} ~ {moment(end)}의 결과입니다." if complete else
                               f"관찰 기간이 {moment(end)}에 끝납니다. 지금까지의 잠정 결과입니다."))
    report["caveats"] = _caveats(exp, report, campaign)
    return report


def _paid(campaign: Campaign, start: datetime, until: datetime) -> dict[int, tuple[int, datetime]]:
    """notice id → (won allocated to its levies from payments received in [start, until], first such payment)."""
    lines = NoticeLine.objects.filter(notice__campaign=campaign)
    notices_by_levy: dict[int, list[int]] = {}
    for levy_id, notice_id in lines.values_list("levy_id", "notice_id"):
        notices_by_levy.setdefault(levy_id, []).append(notice_id)
    out: dict[int, tuple[int, datetime]] = {}
    allocations = (Allocation.objects.filter(levy_id__in=lines.values("levy_id"), payment__received_at__gte=start,
                                             payment__received_at__lte=until, amount__gt=0)
                   .exclude(head=Allocation.Head.REFUND).values_list("levy_id", "amount", "payment__received_at"))
    for levy_id, amount, at in allocations.iterator(chunk_size=5000):
        for notice_id in notices_by_levy.get(levy_id, []):
            total, first = out.get(notice_id, (0, at))
            out[notice_id] = (total + amount, min(first, at))
    return out


def _group(key: str, arm: Any, members: list[tuple[int, datetime | None]], paid: dict[int, tuple[int, datetime]],
           start: datetime | None, window_days: int, confidence: float) -> dict[str, Any]:
    n = len(members)
    amounts = [paid[pk][0] if pk in paid else 0 for pk, _ in members]
    x = sum(1 for pk, _ in members if pk in paid)
    read = sum(1 for _, r in members if r is not None)
    lo, hi = wilson(x, n, z_for(confidence)) if n else (None, None)
    curves: dict[str, list[float]] = {"paid": [], "read": []}
    if start is not None and n:
        # day d = the (d+1)-th 24 hours since the start (day 0: the first 24 hours); the last day holds the window's
        # end, so the paid curve ends at the group's paid rate
        paid_days = [(paid[pk][1] - start).days for pk, _ in members if pk in paid]
        read_days = [(r - start).days for _, r in members if r is not None]
        for d in range(window_days + 1):
            curves["paid"].append(round(sum(1 for t in paid_days if t <= d) / n, 6))
            curves["read"].append(round(sum(1 for t in read_days if t <= d) / n, 6))
    if arm is None:
        identity = {"key": CONTROL, "label": CONTROL_LABEL, "name": CONTROL_NAME, "control": True,
                    "template": None, "channels": None, "channels_text": "보내지 않음", "send_at": None,
                    "send_at_text": "보내지 않음"}
    else:
        channels = arm.channels
        identity = {
            "key": arm.label, "label": arm.label, "name": arm.name, "control": False,
            "template": {"version": arm.template.version, "name": arm.template.name},
            "channels": channels,
            "channels_text": ("캠페인과 같음" if channels is None
                              else " → ".join(CHANNEL_LABELS.get(c, "그 밖의 채널") for c in channels)),
            "send_at": _iso(arm.send_at),
            "send_at_text": "캠페인과 함께" if arm.send_at is None else moment(arm.send_at),
        }
    return {
        **identity,
        "n": n,
        "paid": x,
        "paid_rate": round(x / n, 6) if n else None,
        "paid_rate_interval": None if lo is None else [round(lo, 6), round(hi or 0.0, 6)],
        "amount": sum(amounts),
        "amount_per_notice": round(sum(amounts) / n, 2) if n else None,
        "read": read,
        "read_rate": round(read / n, 6) if n else None,
        "curves": curves,
    }


def _comparisons(exp: Experiment, groups: list[dict[str, Any]], members: dict[str, list[tuple[int, Any]]],
                 paid: dict[int, tuple[int, datetime]], has_control: bool, complete: bool
                 ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    by_key = {g["key"]: g for g in groups}
    pairs = experiments.comparisons([g["key"] for g in groups if not g["control"]], control=has_control)
    m = len(pairs)
    z = bonferroni_z(m, exp.confidence)
    out = []
    for b, a in pairs:
        gb, ga = by_key[b], by_key[a]
        amounts_b = [paid[pk][0] if pk in paid else 0 for pk, _ in members[b]]
        amounts_a = [paid[pk][0] if pk in paid else 0 for pk, _ in members[a]]
        rate: dict[str, Any] | None = None
        amount: dict[str, Any] | None = None
        if gb["n"] and ga["n"]:
            d, lo, hi = newcombe(gb["paid"], gb["n"], ga["paid"], ga["n"], z)
            _, lo95, hi95 = newcombe(gb["paid"], gb["n"], ga["paid"], ga["n"], Z95)
            rate = {"difference": round(d, 6), "interval": [round(lo, 6), round(hi, 6)],
                    "interval_95": [round(lo95, 6), round(hi95, 6)],
                    "p": two_proportion_p(gb["paid"], gb["n"], ga["paid"], ga["n"])}
            d, se = welch(amounts_b, amounts_a)
            amount = {"difference": round(d, 2), "interval": [round(d - z * se, 2), round(d + z * se, 2)],
                      "interval_95": [round(d - Z95 * se, 2), round(d + Z95 * se, 2)], "p": normal_p(d, se)}
        out.append({"b": b, "a": a, "b_label": gb["label"], "a_label": ga["label"], "paid": rate, "amount": amount})
    for outcome in ("paid", "amount"):
        present = [c for c in out if c[outcome] is not None]
        for c, adjusted in zip(present, holm([c[outcome]["p"] for c in present]), strict=True):
            c[outcome]["p"] = round(c[outcome]["p"], 6)
            c[outcome]["p_holm"] = round(adjusted, 6)
    alpha = 1 - exp.confidence
    for c in out:
        primary = c[exp.outcome]
        c["significant"] = primary is not None and primary["p_holm"] < alpha
        c["verdict"] = verdict(by_key[c["b"]], by_key[c["a"]], exp.outcome, primary, confidence=exp.confidence, m=m,
                               complete=complete)
    adjustment = {**ADJUSTMENT, "comparisons": m, "family_confidence": exp.confidence, "z": round(z, 6),
                  "per_comparison_confidence": round(1 - alpha / max(m, 1), 6), "reference_confidence": 0.95}
    return out, adjustment


# --- words -----------------------------------------------------------------------------------------------------------


def _pp(x: float) -> str:
    """0.0213 → '2.1' (percentage points, one decimal, never '-0.0')."""
    return f"{round(x * 100, 1) + 0.0:.1f}"


def _won(x: float) -> str:
    return won(int(round(x)) + 0)


def _confidence_text(confidence: float) -> str:
    return f"{confidence * 100:g}%"


def verdict(b: dict[str, Any], a: dict[str, Any], outcome: str, result: dict[str, Any] | None, *, confidence: float,
            m: int, complete: bool) -> str:
    """The sentence an official reads for one comparison of the primary outcome (group dicts of the report; the
    comparison's figures for that outcome, with its adjusted `interval`)."""
    subject = f"{b['label']}({b['name']}) 문구가"
    against = CONTROL_NAME if a["control"] else f"{a['label']}({a['name']})"
    short = CONTROL_LABEL if a["control"] else a["label"]
    metric = "납부율" if outcome == Experiment.Outcome.PAID else "안내문당 징수액"
    if result is None:
        return f"{b['label']} 대 {short}: 안내문이 없는 비교군이 있어 {metric} 차이를 판단할 수 없습니다."
    d, (lo, hi) = result["difference"], result["interval"]
    if outcome == Experiment.Outcome.PAID:
        fmt, unit = _pp, "%p"
    else:
        fmt, unit = (lambda x: f"{int(round(x)) + 0:,}"), "원"
    ci = f"{_confidence_text(confidence)} 신뢰구간 {fmt(lo)}~{fmt(hi)}{unit}"
    if m > 1:
        ci += f", 비교 {m}건 동시 보정"
    if lo > 0 or hi < 0:
        size = fmt(abs(d)) + unit
        if outcome == Experiment.Outcome.PAID:
            word = "높았습니다" if d > 0 else "낮았습니다"
        else:
            word = "많았습니다" if d > 0 else "적었습니다"
        text = f"{subject} {against}보다 {josa(metric, '이')} {size} {word} ({ci})."
    else:
        text = (f"{josa(b['label'], '와')} {short}의 {metric} 차이({fmt(d)}{unit})는 우연의 범위를 넘지 않습니다 "
                f"({ci}).")
    if not complete:
        text += " 관찰 기간이 끝나지 않아 잠정 결과입니다."
    return text


def _preregistration(exp: Experiment, campaign: Campaign) -> dict[str, Any]:
    paid = exp.outcome == Experiment.Outcome.PAID
    return {
        "hypothesis": exp.hypothesis,
        "outcome": exp.outcome,
        "outcome_label": OUTCOME_LABELS[exp.outcome],
        "window_days": exp.window_days,
        "min_effect": exp.min_effect,
        "min_effect_text": f"{exp.min_effect:g}%p" if paid else won(int(round(exp.min_effect))),
        "baseline": exp.baseline,
        "baseline_text": f"{exp.baseline:g}%" if paid else won(int(round(exp.baseline))),
        "spread": exp.spread,
        "spread_text": "" if exp.spread is None else won(int(round(exp.spread))),
        "strata": list(campaign.strata),
        "strata_labels": [STRATUM_LABELS.get(s, "그 밖의 기준") for s in campaign.strata],
        "confidence": exp.confidence,
        "power": exp.power,
        "created_by": exp.created_by,
        "created_at": _iso(exp.created_at),
        "created_at_text": moment(exp.created_at),
        "frozen_by": exp.frozen_by,
        "frozen_at": _iso(exp.frozen_at),
        "frozen_at_text": moment(exp.frozen_at),
        "seed": campaign.control_seed,
    }


def _caveats(exp: Experiment, report: dict[str, Any], campaign: Campaign) -> list[str]:
    out = []
    if not report["started"]:
        out.append("아직 발송하지 않았습니다. 첫 발송부터 관찰 기간이 시작됩니다.")
    elif not report["complete"]:
        out.append(f"관찰 기간({exp.window_days}일)이 {report['end_text']}에 끝납니다. "
                   "그때까지의 결과는 잠정적이며 바뀔 수 있습니다.")
    if exp.frozen_at is None:
        out.append("실험 설계가 승인 때 고정되지 않았습니다. 결과를 본 뒤 바꿀 수 있었던 설계입니다.")
    power = exp.power
    if power is None:
        power = experiments.power(exp, experiments.group_sizes(campaign))
    if power < POWER_TARGET:
        out.append(f"비교군의 크기가 계획에 못 미칩니다: 검정력이 {power:.0%}로 {POWER_TARGET:.0%}보다 낮아, "
                   f"최소 효과 크기({report['preregistration']['min_effect_text']})만큼의 차이가 실제로 있어도 "
                   "찾아내지 못할 수 있습니다.")
    m = len(report["comparisons"])
    if m > 1:
        out.append(f"비교가 {m}건이라 여러 번 비교한 만큼 보정했습니다(홀름 방법). 보정하지 않은 결과보다 "
                   "차이를 인정하기 어렵습니다.")
    if any(g["send_at"] for g in report["groups"]):
        out.append("늦게 발송한 비교군도 관찰 기간은 캠페인의 첫 발송부터 같게 셉니다. 발송 전에 들어온 납부도 "
                   "그 비교군의 결과에 넣습니다(배정한 대로 비교).")
    out.append("이 결과는 이 자치단체, 이번 시기, 이 납세자들에 대한 것입니다. 다른 곳이나 다른 때에도 같은 효과가 "
               "난다고 장담할 수 없습니다.")
    return out


def _iso(t: datetime | None) -> str | None:
    """A moment in the JSON: ISO 8601 in Seoul time."""
    return None if t is None else t.astimezone(SEOUL).isoformat()


# --- the period report's row -----------------------------------------------------------------------------------------


def experiment_row(campaign: Campaign, *, now: datetime) -> dict[str, Any]:
    """One past experiment as the period effect report lists it (from `experiment_report`)."""
    r = experiment_report(campaign, now=now)
    return {
        "campaign": r["campaign"],
        "name": r["name"],
        "campaign_as_of": r["campaign_as_of"],
        "hypothesis": r["preregistration"]["hypothesis"],
        "outcome": r["primary"],
        "outcome_label": r["primary_label"],
        "groups": [{"key": g["key"], "label": g["label"], "name": g["name"], "n": g["n"]} for g in r["groups"]],
        "verdicts": r["verdicts"] or [r["summary"]],
        "started": r["started"],
        "complete": r["complete"],
    }


# --- rendering -------------------------------------------------------------------------------------------------------

#: one colour per group, in order (대조군 grey when present)
COLOURS = ("#256ef4", "#e0701b", "#1f9d55", "#9b3fd1", "#c9302c")
CONTROL_COLOUR = "#8a949e"
STYLE = """
body{font-family:"Pretendard","Noto Sans KR","NanumGothic",sans-serif;margin:2rem;color:#1e2124;max-width:90rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.95rem}
th,td{border:1px solid #cdd1d5;padding:.4rem .6rem;text-align:right;white-space:nowrap}th{white-space:normal}
th{background:#f4f5f6;text-align:left}td.text{text-align:left}h1{font-size:1.6rem}.lead{font-size:1.1rem}
svg{display:block;margin:1rem 0}.box{border:2px solid #256ef4;border-radius:.5rem;padding:.5rem 1rem;margin:1rem 0}
.verdicts li{font-size:1.1rem;margin:.4rem 0}.caveats li{color:#58616a;margin:.2rem 0}
"""


def _colours(groups: list[dict[str, Any]]) -> list[str]:
    out, i = [], 0
    for g in groups:
        if g["control"]:
            out.append(CONTROL_COLOUR)
        else:
            out.append(COLOURS[i % len(COLOURS)])
            i += 1
    return out


def _e(x: object) -> str:
    return html.escape(str(x))


def _group_title(g: dict[str, Any]) -> str:
    return g["label"] if g["control"] else f"{g['label']} ({g['name']})"


def render_experiment_html(report: dict[str, Any]) -> str:
    """A self-contained Korean HTML page (inline CSS and SVG, no external request)."""
    r = report
    pre = r["preregistration"]
    paid_outcome = pre["outcome"] == Experiment.Outcome.PAID
    pre_rows = [
        ("가설", pre["hypothesis"]), ("주요 결과 지표", pre["outcome_label"]), ("관찰 기간", f"첫 발송부터 {pre['window_days']}일"),
        ("최소 효과 크기", pre["min_effect_text"]),
        ("기준값 예상", pre["baseline_text"] + (" (납부율)" if paid_outcome else " (안내문당 징수액)")),
        *([("징수액 표준편차 예상", pre["spread_text"])] if pre["spread_text"] else []),
        ("층화 기준", ", ".join(pre["strata_labels"]) or "없음"),
        ("신뢰수준", _confidence_text(pre["confidence"])),
        ("검정력", "-" if pre["power"] is None else pct(pre["power"])),
        ("설계 기록", f"{pre['created_by']} · {pre['created_at_text']}"),
        ("승인 때 고정", f"{pre['frozen_by']} · {pre['frozen_at_text']}" if pre["frozen_at"] else "고정되지 않음"),
        ("배정 난수 시드", f"{pre['seed']}"),
    ]
    pre_html = "".join(f"<tr><th>{_e(k)}</th><td class=\"text\">{_e(v)}</td></tr>" for k, v in pre_rows)
    group_rows = "".join(
        f"<tr><th>{_e(_group_title(g))}</th>"
        f"<td class=\"text\">{'-' if g['template'] is None else _e(str(g['template']['version']) + '판 (' + g['template']['name'] + ')')}</td>"
        f"<td class=\"text\">{_e(g['channels_text'])}</td><td class=\"text\">{_e(g['send_at_text'])}</td>"
        f"<td>{g['n']:,}</td><td>{g['paid']:,}</td><td>{pct(g['paid_rate'])}</td>"
        f"<td>{_interval_pct(g['paid_rate_interval'])}</td><td>{won(g['amount'])}</td>"
        f"<td>{'-' if g['amount_per_notice'] is None else _won(g['amount_per_notice'])}</td>"
        f"<td>{won(g['cost'])}</td>"
        f"<td>{'-' if g['cost_per_won'] is None else format(g['cost_per_won'], ',.4f') + '원'}</td>"
        f"<td>{g['read']:,}</td><td>{pct(g['read_rate'])}</td></tr>"
        for g in r["groups"]
    )
    comp_rows = ""
    for c in r["comparisons"]:
        name = f"{c['b_label']} 대 {c['a_label']}"
        p, a = c["paid"], c["amount"]
        if p is None or a is None:
            comp_rows += f"<tr><th>{_e(name)}</th><td class=\"text\" colspan=\"9\">비교할 안내문이 없습니다</td></tr>"
            continue
        comp_rows += (
            f"<tr><th>{_e(name)}</th><td>{_pp(p['difference'])}%p</td>"
            f"<td>{_pp(p['interval'][0])} ~ {_pp(p['interval'][1])}%p</td>"
            f"<td>{_pp(p['interval_95'][0])} ~ {_pp(p['interval_95'][1])}%p</td>"
            f"<td>{p['p']:.4f}</td><td>{p['p_holm']:.4f}</td>"
            f"<td>{_won(a['difference'])}</td><td>{_won(a['interval'][0])} ~ {_won(a['interval'][1])}</td>"
            f"<td>{a['p']:.4f} / {a['p_holm']:.4f}</td>"
            f"<td class=\"text\">{'있음' if c['significant'] else '없음'}</td></tr>"
        )
    conf = _confidence_text(pre["confidence"])
    verdicts = "".join(f"<li>{_e(v)}</li>" for v in r["verdicts"]) or f"<li>{_e(r['summary'])}</li>"
    caveats = "".join(f"<li>{_e(c)}</li>" for c in r["caveats"])
    state = ("관찰 완료" if r["complete"] else "관찰 중 (잠정)") if r["started"] else "발송 전"
    window = f"{r['start_text']} ~ {r['end_text']}" if r["started"] else "첫 발송 전"
    colours = _colours(r["groups"])
    charts = ""
    if r["started"]:
        paid_title, read_title = "누적 납부율 (첫 발송부터 경과 일수)", "누적 열람률 (첫 발송부터 경과 일수)"
        charts = ("<h3>비교군별 납부율과 신뢰구간</h3>" + _rate_bars(r["groups"], colours, conf)
                  + f"<h3>{paid_title}</h3>" + _curve_chart(paid_title, r["groups"], colours, "paid")
                  + f"<h3>{read_title}</h3>" + _curve_chart(read_title, r["groups"], colours, "read"))
    comparisons = "" if not r["comparisons"] else f"""<h2>비교</h2>
<p>{_e(ADJUSTMENT_TEXT)} (비교 {r['adjustment']['comparisons']}건, 전체 신뢰수준 {conf})</p>
<table><tr><th>비교</th><th>납부율 차이</th><th>보정 {conf} 신뢰구간</th><th>참고: 보정 전 95% 신뢰구간</th>
<th>유의확률</th><th>보정 유의확률</th><th>안내문당 징수액 차이</th><th>보정 {conf} 신뢰구간</th>
<th>징수액 유의확률 (보정 전 / 보정)</th><th>주요 지표의 의미 있는 차이</th></tr>{comp_rows}</table>"""
    return f"""<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>실험 보고서 — {_e(r['name'])}</title>
<style>{STYLE}</style></head><body>
<h1>실험 보고서</h1>
<p class="lead">{_e(r['name'])} · 기준일 {_e(kdate(_date(r['campaign_as_of'])))} · 보고 시점 {_e(r['as_of_text'])}</p>
<p>관찰 기간 {_e(window)} · {_e(state)} · 주요 결과 지표: {_e(r['primary_label'])}</p>
<h2>결과</h2>
<ul class="verdicts">{verdicts}</ul>
<h2>주의할 점</h2>
<ul class="caveats">{caveats}</ul>
<div class="box"><h2>사전 등록 (승인 때 고정한 실험 설계)</h2><table>{pre_html}</table></div>
<h2>비교군별 결과</h2>
<table><tr><th>비교군</th><th>서식</th><th>발송 채널</th><th>발송 시각</th><th>안내문</th><th>납부</th><th>납부율</th>
<th>납부율 {conf} 신뢰구간</th><th>징수액</th><th>안내문당 징수액</th><th>발송 비용</th><th>징수액 1원당 비용</th>
<th>열람</th><th>열람률</th></tr>{group_rows}</table>
{comparisons}
{charts}
</body></html>
"""


def _date(text: str) -> date:
    return date.fromisoformat(text)


def _interval_pct(iv: list[float] | None) -> str:
    return "-" if iv is None else f"{pct(iv[0])} ~ {pct(iv[1])}"


def _rate_bars(groups: list[dict[str, Any]], colours: list[str], conf: str) -> str:
    """Each group's paid rate as a bar, its Wilson interval as a whisker."""
    title = f"비교군별 납부율 ({conf} 신뢰구간)"
    top = max([0.01, *((g["paid_rate_interval"] or [0, 0])[1] for g in groups)])
    scale = 360 / top
    parts = []
    for i, (g, colour) in enumerate(zip(groups, colours, strict=True)):
        y = 10 + i * 30
        rate = g["paid_rate"] or 0.0
        lo, hi = g["paid_rate_interval"] or (0.0, 0.0)
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="13">{_e(_group_title(g))}</text>'
            f'<rect x="170" y="{y}" width="{rate * scale:.0f}" height="18" fill="{colour}"/>'
            f'<line x1="{170 + lo * scale:.0f}" y1="{y + 9}" x2="{170 + hi * scale:.0f}" y2="{y + 9}" '
            f'stroke="#1e2124" stroke-width="2"/>'
            f'<line x1="{170 + lo * scale:.0f}" y1="{y + 3}" x2="{170 + lo * scale:.0f}" y2="{y + 15}" '
            f'stroke="#1e2124" stroke-width="2"/>'
            f'<line x1="{170 + hi * scale:.0f}" y1="{y + 3}" x2="{170 + hi * scale:.0f}" y2="{y + 15}" '
            f'stroke="#1e2124" stroke-width="2"/>'
            f'<text x="{178 + hi * scale:.0f}" y="{y + 14}" font-size="13">{pct(g["paid_rate"])}</text>'
        )
    height = 30 * len(groups) + 10
    return (f'<svg role="img" aria-label="{_e(title)}" width="640" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{_e(title)}</title>{"".join(parts)}</svg>')


def _curve_chart(title: str, groups: list[dict[str, Any]], colours: list[str], curve: str) -> str:
    """Cumulative share by day since the start, one line per group, with a legend."""
    days = max((len(g["curves"][curve]) for g in groups), default=0)
    if days == 0:
        return ""
    top = max([0.01, *(max(g["curves"][curve] or [0.0]) for g in groups)])
    left, width, height, base = 50, 500, 180, 200
    parts = [f'<line x1="{left}" y1="{base}" x2="{left + width}" y2="{base}" stroke="#1e2124"/>',
             f'<line x1="{left}" y1="{base}" x2="{left}" y2="{base - height}" stroke="#1e2124"/>',
             f'<text x="{left}" y="{base + 18}" font-size="12">0일</text>',
             f'<text x="{left + width - 30}" y="{base + 18}" font-size="12">{days - 1}일</text>',
             f'<text x="0" y="{base - height + 4}" font-size="12">{pct(top)}</text>',
             f'<text x="0" y="{base + 4}" font-size="12">0%</text>']
    step = width / max(days - 1, 1)
    for i, (g, colour) in enumerate(zip(groups, colours, strict=True)):
        points = " ".join(f"{left + d * step:.1f},{base - v / top * height:.1f}" for d, v in enumerate(g["curves"][curve]))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        ly = 20 + i * 18
        parts.append(f'<rect x="{left + width + 20}" y="{ly - 10}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{left + width + 38}" y="{ly}" font-size="12">{_e(g["label"])}</text>')
    return (f'<svg role="img" aria-label="{_e(title)}" width="660" height="{base + 30}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{_e(title)}</title>{"".join(parts)}</svg>')


def render_experiment_xlsx(report: dict[str, Any]) -> bytes:
    """The same figures as a workbook: 사전 등록, 비교군별 결과, 비교, 일별 추이 (rates as percentages, won with
    thousands separators; every text cell safe, jingsu.core.exports)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from jingsu.core.exports import xlsx_append

    r = report
    pre = r["preregistration"]
    wb = Workbook()
    ws = wb.active
    ws.title = "사전 등록"
    rows: list[tuple[str, Any, str]] = [
        ("캠페인", r["name"], "text"), ("기준일", kdate(_date(r["campaign_as_of"])), "text"),
        ("보고 시점", r["as_of_text"], "text"),
        ("관찰 기간", f"{r['start_text']} ~ {r['end_text']}" if r["started"] else "첫 발송 전", "text"),
        ("관찰 완료", "예" if r["complete"] else "아니오 (잠정)", "text"),
        ("가설", pre["hypothesis"], "text"), ("주요 결과 지표", pre["outcome_label"], "text"),
        ("관찰 기간(일)", pre["window_days"], "count"), ("최소 효과 크기", pre["min_effect_text"], "text"),
        ("기준값 예상", pre["baseline_text"], "text"), ("징수액 표준편차 예상", pre["spread_text"] or "-", "text"),
        ("층화 기준", ", ".join(pre["strata_labels"]) or "없음", "text"),
        ("신뢰수준", pre["confidence"], "rate"), ("검정력", pre["power"], "rate"),
        ("설계 기록", f"{pre['created_by']} · {pre['created_at_text']}", "text"),
        ("승인 때 고정", f"{pre['frozen_by']} · {pre['frozen_at_text']}" if pre["frozen_at"] else "고정되지 않음", "text"),
        ("배정 난수 시드", str(pre["seed"]), "text"),
        *[("결과", v, "text") for v in (r["verdicts"] or [r["summary"]])],
        *[("주의할 점", c, "text") for c in r["caveats"]],
    ]
    xlsx_label_rows(ws, rows, widths=(20, 80))

    gs = wb.create_sheet("비교군별 결과")
    head = ["비교군", "이름", "서식 판", "발송 채널", "발송 시각", "안내문", "납부", "납부율", "납부율 하한",
            "납부율 상한", "징수액(원)", "안내문당 징수액(원)", "발송 비용(원)", "징수액 1원당 비용(원)", "열람", "열람률"]
    kinds = ["text", "text", "count", "text", "text", "count", "count", "rate", "rate", "rate", "amount", "amount",
             "amount", "ratio", "count", "rate"]
    xlsx_append(gs, head)
    for g in r["groups"]:
        iv = g["paid_rate_interval"] or [None, None]
        xlsx_append(gs, [g["label"], g["name"], None if g["template"] is None else g["template"]["version"],
                         g["channels_text"], g["send_at_text"], g["n"], g["paid"], g["paid_rate"], iv[0], iv[1],
                         g["amount"], g["amount_per_notice"], g["cost"], g["cost_per_won"], g["read"], g["read_rate"]])
    cs = wb.create_sheet("비교")
    xlsx_append(cs, ["비교", "납부율 차이", "보정 하한", "보정 상한", "보정 전 95% 하한", "보정 전 95% 상한", "유의확률",
                     "보정 유의확률", "안내문당 징수액 차이(원)", "보정 하한(원)", "보정 상한(원)", "보정 전 95% 하한(원)",
                     "보정 전 95% 상한(원)", "징수액 유의확률", "징수액 보정 유의확률", "의미 있는 차이", "결과"])
    ckinds = ["text", "rate", "rate", "rate", "rate", "rate", "p", "p", "amount", "amount", "amount", "amount", "amount",
              "p", "p", "text", "text"]
    for c in r["comparisons"]:
        p, a = c["paid"] or {}, c["amount"] or {}
        xlsx_append(cs, [f"{c['b_label']} 대 {c['a_label']}", p.get("difference"), *(p.get("interval") or [None, None]),
                         *(p.get("interval_95") or [None, None]), p.get("p"), p.get("p_holm"), a.get("difference"),
                         *(a.get("interval") or [None, None]), *(a.get("interval_95") or [None, None]), a.get("p"),
                         a.get("p_holm"), "예" if c["significant"] else "아니오", c["verdict"]])
    ds = wb.create_sheet("일별 추이")
    xlsx_append(ds, ["경과 일수", *(f"{g['label']} 누적 납부율" for g in r["groups"]),
                     *(f"{g['label']} 누적 열람률" for g in r["groups"])])
    days = max((len(g["curves"]["paid"]) for g in r["groups"]), default=0)
    for d in range(days):
        xlsx_append(ds, [d, *(g["curves"]["paid"][d] if d < len(g["curves"]["paid"]) else None for g in r["groups"]),
                         *(g["curves"]["read"][d] if d < len(g["curves"]["read"]) else None for g in r["groups"])])
    formats = {**XLSX_FORMATS, "ratio": "#,##0.0000", "p": "0.0000"}
    for sheet, sheet_kinds in ((gs, kinds), (cs, ckinds),
                               (ds, ["count", *(["rate"] * (2 * len(r["groups"])))])):
        for row in sheet.iter_rows(min_row=2):
            for cell, kind in zip(row, sheet_kinds, strict=False):
                cell.number_format = formats[kind]
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
