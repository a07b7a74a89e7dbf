"""전자납부번호 (19-digit e-payment number): structure and check digit. Format documented in
docs/formats/payment-number.md.

    JJJJJ TT YY SSSSSSSSS C
    │     │  │  │         └ check digit: Luhn (mod 10) over the first 18 digits
    │     │  │  └ levy serial (the levy's id, zero-padded to 9 digits)
    │     │  └ last two digits of the 과세연도
    │     └ 세목 code (jingsu.law.tax_items)
    └ 자치단체 행정표준코드

One number per levy: a levy that appears on several notices keeps its number, so a payment matches the levy however
the citizen found it. The check digit catches a mistyped digit and most swaps of neighbours.

An installment of an approved 분할 납부 (jingsu.assistance) has a number of its own, of the same structure: the
세목 and 과세연도 of the plan's first levy, and in the serial field 900,000,000 + the installment's id. Serials from
900,000,000 up are installments (`is_installment`); levy ids stay below (900 million levies is far beyond any roll).
"""

from __future__ import annotations

import re

LENGTH = 19
_PATTERN = re.compile(r"[0-9]{19}")


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit of `digits`: from the right, every other digit (the rightmost first) doubled, less 9 when
    the double exceeds 9; all summed; the digit that brings the sum to a multiple of 10.

    ASCII digits (every payment number) are summed through byte translation tables (the notice build numbers every
    line of a million notices); anything else goes digit by digit (`_luhn_by_digit`, the same rule: a character
    `int` cannot read raises ValueError)."""
    if not (digits.isascii() and digits.isdigit()):
        return _luhn_by_digit(digits)
    backwards = digits[::-1].encode()
    total = sum(backwards[0::2].translate(_DOUBLED)) + sum(backwards[1::2].translate(_VALUE))
    return (10 - total % 10) % 10


#: an ASCII digit's byte → its value doubled, less 9 when the double exceeds 9; → its value
_DOUBLED = bytes.maketrans(b"0123456789", bytes([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]))
_VALUE = bytes.maketrans(b"0123456789", bytes(range(10)))


def _luhn_by_digit(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # rightmost payload digit is doubled (the check digit will sit to its right)
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def payment_number(jurisdiction: str, tax_item: str, tax_year: int, levy_id: int) -> str:
    if not (len(jurisdiction) == 5 and jurisdiction.isdigit()):
        raise ValueError(f"jurisdiction code must be 5 digits: {jurisdiction!r}")
    if not (len(tax_item) == 2 and tax_item.isdigit()):
        raise ValueError(f"tax item code must be 2 digits: {tax_item!r}")
    if not 0 < levy_id < 10**9:
        raise ValueError(f"levy id out of range for a payment number: {levy_id}")
    body = f"{jurisdiction}{tax_item}{tax_year % 100:02d}{levy_id:09d}"
    return body + str(luhn_check_digit(body))


#: Serials from here up name an installment (jingsu.assistance.models.Installment), not a levy.
INSTALLMENT_BASE = 900_000_000


def installment_number(jurisdiction: str, tax_item: str, tax_year: int, installment_id: int) -> str:
    """The 전자납부번호 of one installment of a 분할 납부."""
    if not 0 < installment_id < 10**9 - INSTALLMENT_BASE:
        raise ValueError(f"installment id out of range for a payment number: {installment_id}")
    return payment_number(jurisdiction, tax_item, tax_year, INSTALLMENT_BASE + installment_id)


def is_installment(number: str) -> bool:
    return is_valid(number) and int(number[9:18]) >= INSTALLMENT_BASE


def installment_id_of(number: str) -> int:
    """The installment's id inside a valid installment number (ValueError otherwise)."""
    if not is_installment(number):
        raise ValueError("분할 납부 전자납부번호가 아닙니다.")
    return int(number[9:18]) - INSTALLMENT_BASE


def is_valid(number: str) -> bool:
    return bool(_PATTERN.fullmatch(number)) and luhn_check_digit(number[:-1]) == int(number[-1])


def levy_id_of(number: str) -> int:
    """The levy serial inside a valid number (ValueError if the number is not valid)."""
    if not is_valid(number):
        raise ValueError("전자납부번호가 올바르지 않습니다.")
    return int(number[9:18])
