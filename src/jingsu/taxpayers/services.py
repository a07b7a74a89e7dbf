"""Operations on taxpayers."""

from __future__ import annotations

from django.db import transaction

from jingsu.clock import Clock
from jingsu.core import audit
from jingsu.taxpayers.models import Taxpayer


def reveal_registration_number(taxpayer: Taxpayer, *, actor: str, reason: str, clock: Clock) -> str:
    """The plaintext registration number, for a stated reason; writes an audit row first."""
    if not reason.strip():
        raise ValueError("열람 사유를 입력해야 합니다.")
    if taxpayer.destroyed:
        raise ValueError("보유 기간이 끝나 파기된 정보입니다.")
    with transaction.atomic():
        audit.record(
            "taxpayer.reveal_registration_number",
            actor=actor,
            jurisdiction=taxpayer.jurisdiction_id,
            target=taxpayer,
            reason=reason.strip(),
            clock=clock,
        )
    return taxpayer.reveal_registration_number()
