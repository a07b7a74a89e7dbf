"""Numbers a citizen copies or types, shown so that a phone never breaks them mid-number (docs/portal.md).

`{{ number|digit_groups }}` → the digits in groups, each group a <span>, the whole kept on one line by CSS
(`.portal-number { white-space: nowrap }`); the gaps are margins, not characters, so selecting and copying the number
gives the bare digits. A 19-digit 전자납부번호 is grouped by its structure (자치단체 5, 세목 2, 연도 2, 일련번호 9,
검증 1: docs/formats/payment-number.md); any other number (a 가상계좌) in fours from the left.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join

from jingsu.korean import josa

register = template.Library()

PAYMENT_NUMBER_GROUPS = (5, 2, 2, 9, 1)


def groups(number: str) -> list[str]:
    digits = "".join(ch for ch in str(number) if ch.isdigit())
    sizes = PAYMENT_NUMBER_GROUPS if len(digits) == 19 else (4,) * ((len(digits) + 3) // 4)
    out, at = [], 0
    for size in sizes:
        if at >= len(digits):
            break
        out.append(digits[at:at + size])
        at += size
    return out


@register.filter
def digit_groups(number: object) -> str:
    return format_html_join("", "<span>{}</span>", ((g,) for g in groups(str(number or ""))))


@register.simple_tag
def copy_button(label: str, *target: object) -> str:
    """A 복사 button for the number in the element whose id is `target` joined by "-" ({% copy_button "전자납부번호"
    "payno" line.line_id %} → #payno-12). Hidden until portal.js shows it: without script there is nothing to copy
    with."""
    return format_html('<button type="button" class="krds-btn small secondary portal-copy" data-copy="{}" '
                       'data-copied-message="{}" hidden>복사<span class="portal-sr-only"> {}</span></button>',
                       "-".join(str(t) for t in target), f"{josa(label, '을')} 복사했습니다.", label)
