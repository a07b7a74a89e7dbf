"""Unit cost per channel, in won, recorded on every delivery attempt for the effect report.

Sources (published tariffs and the Seoul 2023 KakaoTalk pilot figures, as cited per value below):
- 일반우편 ≤ 25 g: 430원; 등기: 2,830원 (우정사업본부 요금, from 2025-06).
- Printing and enveloping one notice: 100원 — an assumption (no public figure found); set per office.
- Mobile (KakaoTalk 전자문서, KT 공인알림문자): about 94원 per notice, from Seoul's 2023 pilot (5만 notices for
  470만 원). No separate public figure for KT; the same unit is used.
- SMS/LMS with a link: 30원 — an assumption for a bulk LMS contract; set per office.
"""

from __future__ import annotations

from jingsu.delivery.models import Channel

PRINTING = 100
ORDINARY_MAIL = 430
REGISTERED_MAIL = 2830

UNIT_COST: dict[str, int] = {
    Channel.KAKAO: 94,
    Channel.KT: 94,
    Channel.SMS: 30,
    Channel.PAPER: ORDINARY_MAIL + PRINTING,
}


def paper_cost(registered: bool = False) -> int:
    return (REGISTERED_MAIL if registered else ORDINARY_MAIL) + PRINTING
