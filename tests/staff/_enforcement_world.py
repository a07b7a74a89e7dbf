"""The enforcement cases the console tests walk: in each jurisdiction, a 관허사업 허가 제한 case of the world's
taxpayer (김민준; in OTHER `world.other_taxpayer`), opened by that office's clerk with an official of its own, whose
관허사업 제한 예고 was prepared from the case (a campaign, approved by the team lead and handed to delivery), moved to
제한 예고, with a pending request for 제한 요청 (by the clerk, for the team lead's approval queue)."""

from __future__ import annotations

from types import SimpleNamespace

from _step_notices import send_step_notice
from jingsu.clock import today
from jingsu.enforcement import services
from jingsu.rewards import services as rewards


def add_enforcement_world(world, clock) -> SimpleNamespace:
    on = today(clock)
    out = []
    for tp, clerk, name in ((world.taxpayer, world.users["clerk"], "한지민"),
                            (world.other_taxpayer, world.other_clerk, "정수빈")):
        official = rewards.add_official(tp.jurisdiction, name=name, rank="지방세무주사", department="세무1과",
                                        bureau="재정국", director_or_above=False, bank="국민은행",
                                        account="123-45-67890123", actor=clerk.username, clock=clock)
        case = services.open_case(tp, "license_refusal", on=on, reason="고액 체납 정리", actor=clerk.username,
                                  clock=clock)
        send_step_notice(case, clock, actor=clerk.username)  # the 관허사업 제한 예고, approved and handed over
        services.move(case, "forewarned", reason="제한 예고 발송", actor=clerk.username, clock=clock, on=on)
        request = services.move(case, "requested", reason="주무관청에 제한 요청", actor=clerk.username, clock=clock,
                                on=on, official=official)
        out.append(SimpleNamespace(case=case, request=request, official=official))
    world.enforcement = SimpleNamespace(case=out[0].case, other_case=out[1].case, request=out[0].request,
                                        official=out[0].official)
    return world.enforcement

