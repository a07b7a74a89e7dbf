"""Bank codes → the names people use, for every screen, document and message that shows a bank.

Source: 금융결제원 「은행 공동코드」 (금융기관 대표코드, 3자리) — the codes the 가상계좌 pool, the 수납 files and the
reward transfer file carry. Names are written in Hangul as they are commonly said (국민은행 rather than the Latin
brand), so that no screen shows a Latin abbreviation. The table is data: a code missing here is shown as
"은행 코드 123", never guessed.
"""

from __future__ import annotations

BANKS: dict[str, str] = {
    "002": "산업은행",
    "003": "기업은행",
    "004": "국민은행",
    "007": "수협은행",
    "011": "농협은행",
    "012": "지역농·축협",
    "020": "우리은행",
    "023": "제일은행",
    "027": "씨티은행",
    "031": "아이엠뱅크",
    "032": "부산은행",
    "034": "광주은행",
    "035": "제주은행",
    "037": "전북은행",
    "039": "경남은행",
    "045": "새마을금고",
    "048": "신협",
    "050": "저축은행",
    "054": "에이치에스비씨은행",
    "055": "도이치은행",
    "057": "제이피모간체이스은행",
    "060": "뱅크오브아메리카",
    "064": "산림조합",
    "071": "우체국",
    "081": "하나은행",
    "088": "신한은행",
    "089": "케이뱅크",
    "090": "카카오뱅크",
    "092": "토스뱅크",
}


def bank_name(value: str | None) -> str:
    """088 → 신한은행. A value that is not a 3-digit code (a name typed by a person: "신한은행") is shown as it is;
    an unknown code as "은행 코드 123"; nothing → ""."""
    v = (value or "").strip()
    if len(v) == 3 and v.isdigit():
        return BANKS.get(v, f"은행 코드 {v}")
    return v
