from __future__ import annotations

from datetime import datetime, timedelta

from jingsu.providers.base import CiRequest, OutgoingDocument
from jingsu.providers.http import RetryPolicy

T0 = datetime.fromisoformat("2026-11-23T09:00:00+09:00")
FAST_RETRY = RetryPolicy(attempts=8, base_delay=0.02, max_delay=0.3, max_retry_after=1.5)


def numbers(n: int, offset: int = 0) -> list[str]:
    return [
        f"{70 + i % 30:02d}{1 + i % 12:02d}{1 + i % 28:02d}{1 + i % 4}{i:06d}"
        for i in range(offset, offset + n)
    ]


def ci_list(identity, n: int, offset: int = 0) -> list[str]:
    res = identity.to_ci([CiRequest(f"ref-{offset + i}", num) for i, num in enumerate(numbers(n, offset))])
    return [r.ci for r in res if r.ci]


def documents(cis: list[str], prefix: str, sent: datetime, days: int = 30) -> list[OutgoingDocument]:
    return [
        OutgoingDocument(
            key=f"{prefix}-{i}",
            ci=ci,
            title="노원구청 자동차세 체납액 고지서",
            message="노원구청이 '자동차세 체납액 고지서'를 전자문서로 보냈습니다.",
            link=f"https://jingsu.example/n/{prefix}{i}",
            doc_hash=f"{i:064x}",
            read_deadline=sent + timedelta(days=days),
            payload=f"{prefix}-notice-{i}",
        )
        for i, ci in enumerate(cis)
    ]
