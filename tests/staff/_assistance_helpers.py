"""A 분할 납부 request and a 상담 요청 in each jurisdiction of the staff tests' world (tests/staff/_staff_helpers.py),
made through jingsu.assistance.services as the portal makes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jingsu.assistance import services as assistance
from jingsu.notices.models import Notice


@dataclass
class AssistanceWorld:
    plan: Any  # HOME: 김민준's notice, 3 installments requested
    other_plan: Any
    callback: Any  # HOME: 김민준 asks for a call-back (생계 곤란, 오전)
    other_callback: Any


def add_assistance_world(world: Any, clock: Any) -> AssistanceWorld:
    def notice(taxpayer: Any) -> Notice:
        return (Notice.objects.select_related("taxpayer", "jurisdiction")
                .filter(jurisdiction=taxpayer.jurisdiction_id, taxpayer=taxpayer).order_by("pk").first())

    if world.money is None:  # the other jurisdiction's campaign comes with the money world
        from _staff_helpers import add_money_world

        add_money_world(world, clock)
    home, other = notice(world.taxpayer), notice(world.other_taxpayer)
    out = AssistanceWorld(
        plan=assistance.request_installments(home, count=3, remote="10.0.0.7", clock=clock),
        other_plan=assistance.request_installments(other, count=2, remote="10.0.0.8", clock=clock),
        callback=assistance.request_callback(home, reason="hardship", preferred_time="morning",
                                             note="오전에만 통화 가능", remote="10.0.0.7", clock=clock),
        other_callback=assistance.request_callback(other, reason="other", preferred_time="any", remote="10.0.0.8",
                                                   clock=clock),
    )
    world.assistance = out
    return out
