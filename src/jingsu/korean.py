"""How Korean is written for people: amounts (`won`: 1,234,560원), dates (`kdate`: 2026. 11. 23.) and particles (조사)
chosen by the word before them: `josa("압류", "을")` → "압류를", never "압류을(를)".

One helper for every message, template (`{{ word|josa:"을" }}`, jingsu_format), document and CLI line. Plain Python
with no Django import, so `jingsu.law` may use it too.

The choice depends on how the word *ends when read aloud*:

- a Hangul syllable: its final consonant (받침) — 압류 → 를, 체납안내문 → 을;
- digits, read in Korean: 1 일, 3 삼, 10 십, 100 백, 2026 이천이십육, 20,000 이만; a number with leading zeros or a
  decimal part is a code read digit by digit (088 → 공팔팔, 0.5 → 영 점 오); a date written `2026. 11. 23.` ends
  in 일, a time `14:05` in 분;
- Latin letters: an acronym by its letter names (KT 케이티, URL 유알엘), a word by its usual Korean spelling,
  roughly (file 파일, system 시스템, Kakao 카카오) — approximate, and the console shows no English words anyway;
- closing quotes and brackets are skipped: '체납안내문'을, 반송일(2026. 1. 5.)이 (the word *before* a bracket
  decides; only a bracket with nothing before it, such as "(주)", is read inside). Other symbols are skipped too.

The ㄹ rule: (으)로 and its kin take the vowel form after ㄹ (서울로, 1로 — 일로).

Particles: 을/를, 이/가, 은/는, 과/와, 으로/로, 이나/나, 이랑/랑, 아/야, 이라/라, 이라고/라고, 이라서/라서, 이란/란,
이든/든, 이든지/든지, 이며/며, 이에요/예요, 이었다/였다, 으로서/로서, 으로써/로써, 으로부터/로부터. Pass either form
("을" or "를") or the bracketed form ("을(를)", "(으)로").

Why not PyPI `tossi` (evaluated: right on Hangul, digits, brackets and the ㄹ rule): its last release is from 2018
(Python 2.7/3.4, depends on `six` and `bidict`), and for Latin letters it returns the bracketed form "KT을(를)" —
the very thing this module exists to avoid. The rules here are short enough to read and test (tests/foundation/
test_korean.py).
"""

from __future__ import annotations

import re
from datetime import date, datetime

# (form after a final consonant, form after a vowel). Forms with 으 also take the vowel form after ㄹ.
_PAIRS: tuple[tuple[str, str], ...] = (
    ("을", "를"), ("이", "가"), ("은", "는"), ("과", "와"), ("으로", "로"), ("이나", "나"), ("이랑", "랑"),
    ("아", "야"), ("이라", "라"), ("이라고", "라고"), ("이라서", "라서"), ("이란", "란"), ("이든", "든"),
    ("이든지", "든지"), ("이며", "며"), ("이에요", "예요"), ("이었다", "였다"), ("으로서", "로서"),
    ("으로써", "로써"), ("으로부터", "로부터"),
)
_BY_FORM: dict[str, tuple[str, str]] = {}
for _consonant, _vowel in _PAIRS:
    for _spelling in (_consonant, _vowel, f"{_consonant}({_vowel})", f"{_vowel}({_consonant})",
                      f"{_consonant}/{_vowel}", f"{_vowel}/{_consonant}"):
        _BY_FORM.setdefault(_spelling, (_consonant, _vowel))
    if _consonant.endswith(_vowel) and len(_consonant) > len(_vowel):  # (으)로, (이)나, (이)라 …
        _BY_FORM.setdefault(f"({_consonant[: -len(_vowel)]}){_vowel}", (_consonant, _vowel))

#: The bracketed forms that let the reader pick ("을(를)", "(으)로", "이(가)" …): never shown to anyone. Used by the
#: notice templates' filling (a placeholder followed by one) and by the tests that crawl the screens.
AMBIGUOUS = re.compile(
    "|".join(sorted((re.escape(f) for f in _BY_FORM if "(" in f), key=len, reverse=True)))

NONE, RIEUL, OTHER = 0, 8, 1  # final consonant classes: none (vowel), ㄹ, any other

_DIGIT = {"0": OTHER, "1": RIEUL, "2": NONE, "3": OTHER, "4": NONE, "5": NONE, "6": OTHER, "7": RIEUL,
          "8": RIEUL, "9": NONE}  # 영 일 이 삼 사 오 육 칠 팔 구
# trailing zeros → the last unit read: 십 백 천 만 (to 천만) 억 (to 천억) 조 (to 천조) 경
_UNIT_BY_ZEROS = [NONE, OTHER, OTHER, OTHER] + [OTHER] * 4 + [OTHER] * 4 + [NONE] * 4 + [OTHER] * 4
_LETTER_NAME_RIEUL = set("LR")  # 엘, 알
_LETTER_NAME_OTHER = set("MN")  # 엠, 엔
_CLOSERS = {")": "(", "]": "[", "}": "{", "」": "「", "』": "『", "〉": "〈", "》": "《", "）": "（"}
_QUOTES = "'\"‘’“”`"
_DATE = re.compile(r"\d{1,4}\.\s*\d{1,2}\.\s*\d{1,2}\.$")
_TIME = re.compile(r"\d{1,2}:\d{2}$")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?$")
_LATIN = re.compile(r"[A-Za-z]+$")
_VOWELS = set("aeiouy")


def _number(token: str) -> int:
    if "." in token:
        return _DIGIT[token[-1]]  # 0.5: 영 점 오
    digits = token.replace(",", "")
    if len(digits) > 1 and digits.startswith("0"):
        return _DIGIT[digits[-1]]  # a code read digit by digit: 088 공팔팔
    stripped = digits.rstrip("0")
    if not stripped:
        return OTHER  # 영
    zeros = len(digits) - len(stripped)
    if zeros == 0:
        return _DIGIT[digits[-1]]
    return _UNIT_BY_ZEROS[min(zeros, len(_UNIT_BY_ZEROS) - 1)]


def _latin(token: str) -> int:
    if len(token) == 1 or token.isupper():
        last = token[-1].upper()
        return RIEUL if last in _LETTER_NAME_RIEUL else OTHER if last in _LETTER_NAME_OTHER else NONE
    w = token.lower()
    if w.endswith(("l", "le")):
        return RIEUL  # excel 엑셀, file 파일, google 구글
    if w.endswith(("m", "n", "ng", "ck", "lk", "ic")):
        return OTHER  # system 시스템, ring 링, talk 톡, logic 로직
    if w[-1] in "bkpt" and w[-2] in _VOWELS and (len(w) < 3 or w[-3] not in _VOWELS):
        return OTHER  # web 웹, chat 챗, tip 팁 (a short vowel before the consonant)
    return NONE  # kakao 카카오, code 코드, data 데이터, bus 버스


def final(word: str) -> int:
    """How `word` ends when read: NONE (a vowel), RIEUL (ㄹ) or OTHER (another final consonant)."""
    s = word.rstrip()
    while s:
        ch = s[-1]
        if "가" <= ch <= "힣":
            jong = (ord(ch) - 0xAC00) % 28
            return NONE if jong == 0 else RIEUL if jong == 8 else OTHER
        if ch in _QUOTES:
            s = s[:-1].rstrip()
            continue
        if ch in _CLOSERS:
            depth, i = 0, len(s) - 1
            while i >= 0:
                if s[i] == ch:
                    depth += 1
                elif s[i] == _CLOSERS[ch]:
                    depth -= 1
                    if depth == 0:
                        break
                i -= 1
            before, inside = s[:max(i, 0)].rstrip(), s[i + 1:-1] if i >= 0 else s[:-1]
            s = before if before else inside
            continue
        if ch == "." and _DATE.search(s):
            return RIEUL  # 2026. 11. 23. → …이십삼 일
        if _TIME.search(s):
            return OTHER  # 14:05 → …오 분
        if m := _NUMBER.search(s):
            return _number(m.group())
        if m := _LATIN.search(s):
            return _latin(m.group())
        s = s[:-1].rstrip()  # any other symbol (…, *, %, -) is skipped
    return NONE


def _pair(particle: str) -> tuple[str, str]:
    try:
        return _BY_FORM[particle]
    except KeyError:
        raise ValueError(f"jingsu.korean이 모르는 조사입니다: {particle!r}") from None


def particle(word: str, particle: str) -> str:
    """The form of `particle` that follows `word` (without the word): particle("서울", "으로") → "로"."""
    consonant, vowel = _pair(particle)
    end = final(word)
    if end == NONE or (end == RIEUL and consonant.startswith("으")):
        return vowel
    return consonant


def josa(word: object, particle_: str) -> str:
    """`word` followed by the right form of the particle: josa("압류", "을") → "압류를", josa(3, "이") → "3이"."""
    text = str(word)
    return text + particle(text, particle_)


def won(amount: int) -> str:
    """1234560 → '1,234,560원'. The one way an amount is written for people (screens, documents, messages, the
    law's reasons); `jingsu.core.formats` re-exports it."""
    return f"{int(amount):,}원"


def kdate(d: date | datetime | None) -> str:
    """2026-11-23 → '2026. 11. 23.'; None → ''. A datetime gives its own date (convert to local time first). The one
    way a date is written for people; `jingsu.core.formats` re-exports it."""
    if d is None:
        return ""
    if isinstance(d, datetime):
        d = d.date()
    return f"{d.year}. {d.month}. {d.day}."
