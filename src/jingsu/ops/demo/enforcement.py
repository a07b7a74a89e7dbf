"""The demo's 체납처분·행정제재: the worklist on the demo's last day, and one case of each measure moved through the
stages the law allows that day — every step the same service the console calls (`jingsu.enforcement.services`),
requested by the demo's 담당자 and, where the measure restricts rights, approved by its 팀장.

The generated roll holds no 독촉장 (the demo sends 체납안내문, not 독촉장), so the office records the 독촉장 its
previous system issued: issued on the last day the law allows (지방세징수법 제32조①) with the latest 납부기한 it
allows (제32조③), both from `jingsu.law.procedure`. Nothing about the law is typed here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from django.db.models import Q

from jingsu.clock import SEOUL, Clock, today
from jingsu.core.formats import kdate, won
from jingsu.core.models import Jurisdiction
from jingsu.delivery import services as delivery
from jingsu.delivery.paper import mask_name
from jingsu.enforcement import services as cases
from jingsu.enforcement.models import EnforcementCase, MoveRequest, stage_label
from jingsu.enforcement.worklist import Worklist, as_json, worklist
from jingsu.korean import josa
from jingsu.law import enforcement as law
from jingsu.law.procedure import demand_issue_deadline, demand_payment_deadline
from jingsu.levies.models import Levy
from jingsu.notices import services as notices
from jingsu.payments import services as payments
from jingsu.providers.base import ProviderSet
from jingsu.rewards.models import Official
from jingsu.staff.downloads import workbook
from jingsu.staff.worklist_views import worklist_sheets
from jingsu.taxpayers.models import Taxpayer

M = EnforcementCase.Measure
#: the office's choice in the demo, not the law's: the measure comes 30 days after its 예고
FOREWARNING = timedelta(days=30)
S = EnforcementCase.Status


@dataclass
class Walk:
    """One case's story for the summary."""

    measure: str
    taxpayer: str  # masked
    stages: list[str] = field(default_factory=list)
    stopped: str = ""  # why it stops where it does (the law's words), if it does

    def line(self) -> str:
        text = f"    {M(self.measure).label} ({self.taxpayer}): " + " → ".join(self.stages)
        return text + (f"\n      {self.stopped}" if self.stopped else "")


def _demands(j: str, levies: list[Levy]) -> dict[str, str]:
    """The 독촉장 the previous system issued for `levies`: 과세번호 → its 납부기한 (the case's `demand_due_dates`)."""
    return {lv.tax_number: demand_payment_deadline(j, demand_issue_deadline(j, lv.due_date)).isoformat()
            for lv in levies}


def _pick(wl: Worklist, measure: str, *, lists: tuple[str, ...] = ("qualifying", "check"),
          taken: set[int], people_only: bool = False) -> Taxpayer | None:
    """The first taxpayer of `measure`'s lists not yet in a demo case (`people_only`: not a corporation)."""
    ml = wl.measures[measure]
    for name in lists:
        for row in getattr(ml, name):
            if row.taxpayer_id in taken:
                continue
            taxpayer = Taxpayer.objects.get(pk=row.taxpayer_id)
            if people_only and taxpayer.kind == Taxpayer.Kind.CORPORATION:
                continue
            taken.add(row.taxpayer_id)
            return taxpayer
    return None


def run(j: Jurisdiction, providers: ProviderSet, *, clock: Clock, out: Path, maker: str, checker: str,
        say: Callable[[str], None]) -> str:
    """The worklist of `j` on the clock's day (written to `out`) and one case per measure; the summary text. A
    stage that is a 사전 통지 or 예고 waits for its notice to go out: the demo prepares it from the case, the 팀장
    approves the campaign and it is handed to the intermediaries through `providers` (the simulator)."""
    on = today(clock)
    wl = worklist(j.code, on, today=on, within_days=30)
    (out / "enforcement-worklist.json").write_text(json.dumps(as_json(wl, name=mask_name), ensure_ascii=False,
                                                              indent=2))
    (out / "enforcement-worklist.xlsx").write_bytes(workbook(worklist_sheets(wl, mask_name),
                                                             [("목록", "체납처분 대상"), ("지자체", j.name), ("기준일", kdate(on)),
                                                              ("개인정보", "성명을 가렸습니다.")]))
    lines = [f"체납처분 대상 ({kdate(on)} 기준, {wl.taxpayers:,}명 중)"]
    for ml in wl.measures.values():
        lines.append(f"    {ml.name}: 대상 {len(ml.qualifying):,}명, 확인 필요 {len(ml.check):,}명, "
                     f"30일 안에 대상 {len(ml.soon):,}명")
    say(f"    체납처분 대상 목록 → {out / 'enforcement-worklist.xlsx'}")

    official = Official.objects.filter(jurisdiction=j, active=True).order_by("pk").first()
    taken: set[int] = set(EnforcementCase.objects.filter(jurisdiction=j).values_list("taxpayer_id", flat=True))
    walks: list[Walk] = []

    def notice(case: EnforcementCase) -> None:
        """The step's notice: prepared from the case, approved by the 팀장, handed to the intermediaries."""
        measure_on = None if case.measure == M.DISCLOSURE else on + FOREWARNING
        prepared = cases.prepare_notices([case], measure_on=measure_on, actor=maker, clock=clock,
                                         name=f"{M(case.measure).label} 안내 (데모)")
        notices.approve_campaign(prepared.campaign, actor=checker, clock=clock)
        delivery.start_campaign(prepared.campaign, providers, actor=checker, clock=clock)
        delivery.send_queued(providers, clock=clock, limit=10**9)

    def step(walk: Walk, case: EnforcementCase, to: str, reason: str) -> bool:
        """Move `case` to `to` (a second person approves what restricts rights); False when the law stops it."""
        try:
            if cases.NOTICE_STEP.get(case.measure, ("", ""))[1] == to:
                notice(case)
                walk.stages.append("안내문 발송")
            moved = cases.move(case, to, reason=reason, actor=maker, clock=clock, on=on,
                               official=official if (case.measure, to) in cases.REWARD_KIND else None)
            if isinstance(moved, MoveRequest):
                cases.approve(moved, actor=checker, clock=clock)
        except (cases.CaseError, notices.CampaignError) as e:
            walk.stopped = f"{josa(stage_label(case.measure, to), '으로')} 넘어가지 않음: {e}"
            return False
        case.refresh_from_db()
        walk.stages.append(case.stage_name)
        return True

    def walk(measure: str, taxpayer: Taxpayer | None, stages: list[tuple[str, str]], *,
             recorded: dict[str, object] | None = None, why: str) -> EnforcementCase | None:
        if taxpayer is None:
            lines.append(f"    {M(measure).label}: 오늘 요건을 갖춘 납세자가 없어 사건을 열지 않았습니다.")
            return None
        w = Walk(measure, mask_name(taxpayer.name))
        walks.append(w)
        try:
            case = cases.open_case(taxpayer, measure, on=on, reason=why, actor=maker, clock=clock,
                                   recorded=recorded)
        except cases.CaseError as e:
            w.stopped = f"사건을 열지 않음: {e.message}"
            return None
        w.stages.append(case.stage_name)
        for to, reason in stages:
            if not step(w, case, to, reason):
                break
        return case

    # 신용정보 제공 (지방세징수법 제9조): 예고 → 제공
    walk(M.CREDIT_REPORT, _pick(wl, M.CREDIT_REPORT, lists=("qualifying",), taken=taken),
         [(S.FOREWARNED, "신용정보 제공 예고문 발송"), (S.PROVIDED, "예고 후 납부가 없어 신용정보집중기관에 제공")],
         why="체납 발생일부터 1년이 지난 체납액 500만 원 이상")
    # 명단공개 (제11조): 사전 통지 → 소명 기간; 심의는 소명 기간 6개월이 지나야 합니다
    walk(M.DISCLOSURE, _pick(wl, M.DISCLOSURE, taken=taken),
         [(S.NOTIFIED, "명단공개 대상자 사전 통지"), (S.EXPLANATION, "통지 도달, 소명 기간 시작"),
          (S.REVIEW, "지방세심의위원회 심의 상정")],
         why="체납 발생일부터 1년이 지난 체납액 1천만 원 이상")
    # 관허사업 제한 (제7조②): 허가 사업을 경영하는 것으로 확인, 예고 → 제한 요청
    walk(M.LICENSE_SUSPENSION, _pick(wl, M.LICENSE_SUSPENSION, taken=taken),
         [(S.FOREWARNED, "관허사업 제한 예고문 발송"), (S.REQUESTED, "주무관청에 영업정지 요구")],
         recorded={"licensed_business": True}, why="음식점 영업 허가를 받은 사업자로 확인 (3회 이상 체납)")
    # 출국금지 요청 (제8조): 3천만 원 이상, 시행령 제15조① 사유와 조세채권 확보 곤란을 확인
    walk(M.EXIT_BAN, _pick(wl, M.EXIT_BAN, taken=taken, people_only=True),  # a person travels, not a company
         [(S.REQUESTED, "법무부장관에게 출국금지 요청")],
         recorded={"exit_conditions": ["remittance"], "exit_unsecured": True},
         why="최근 2년간 국외 송금이 확인되고 압류할 재산이 없음")

    # 번호판 영치 (지방세법 제131조) and 압류 (지방세징수법 제33조): the 독촉장 the office issued earlier
    vehicle = (Levy.objects.arrears(on).filter(jurisdiction=j, tax_item=law.VEHICLE_TAX)
               .exclude(object_description="").exclude(taxpayer_id__in=taken).select_related("taxpayer")
               .order_by("due_date", "pk").first())
    plate_case = None
    if vehicle is None:
        lines.append("    번호판 영치: 자동차세 체납이 없어 사건을 열지 않았습니다.")
    else:
        taken.add(vehicle.taxpayer_id)
        car = list(Levy.objects.arrears(on).filter(taxpayer=vehicle.taxpayer, tax_item=law.VEHICLE_TAX))
        plate_case = walk(M.PLATE_IMPOUND, vehicle.taxpayer,
                          [(S.FOREWARNED, "번호판 영치 예고문 발송"), (S.IMPOUNDED, "현장 영치 (징수팀 차량 단속)")],
                          recorded={"demand_due_dates": _demands(j.code, car)},
                          why="자동차세 독촉 기한이 지남")
    seized = (Levy.objects.arrears(on).filter(jurisdiction=j).exclude(tax_item=law.VEHICLE_TAX)
              .exclude(taxpayer_id__in=taken).filter(Q(owed_amount__gte=1_000_000))
              .select_related("taxpayer").order_by("due_date", "pk").first())
    if seized is None:
        lines.append("    압류: 대상 납세자가 없어 사건을 열지 않았습니다.")
    else:
        taken.add(seized.taxpayer_id)
        owed = list(Levy.objects.arrears(on).filter(taxpayer=seized.taxpayer))
        walk(M.SEIZURE, seized.taxpayer, [(S.SEIZED, "예금 채권 압류")],
             recorded={"demand_due_dates": _demands(j.code, owed)}, why="독촉 기한이 지나도록 납부하지 않음")

    # the 자동차세 is paid at the 구청 창구 (it arrives in the counter's 수납 file): the payment re-checks the case, which shows 해제 가능; the plate goes back
    if plate_case is not None and plate_case.status == S.IMPOUNDED:
        w = next(x for x in walks if x.measure == M.PLATE_IMPOUND)
        paid_at = datetime.combine(on, time(10), tzinfo=SEOUL)
        for levy in plate_case.levies.all():
            amount = levy.owed(on).total
            if amount:
                payments.record_payment(source="counter-file", external_id=f"demo-plate-{levy.pk}",
                                        received_at=min(paid_at, clock.now()), amount=amount, channel="",
                                        payment_number="", virtual_account="", tax_number=levy.tax_number,
                                        jurisdiction=j.code, clock=clock)
        plate_case.refresh_from_db()
        if plate_case.release_ready:
            w.stages.append(f"납부 {won(sum(lv.billed_amount for lv in plate_case.levies.all()))} → 해제 가능")
            step(w, plate_case, S.RELEASED, "자동차세 완납, 번호판 반환 (지방세법 시행령 제128조④)")
    lines += [w.line() for w in walks]
    lines.append(f"    사건 {EnforcementCase.objects.filter(jurisdiction=j).count()}건: 직원 화면의 "
                 "‘체납처분 사건’에서 단계별 기록을 볼 수 있습니다.")
    return "\n".join(lines)
