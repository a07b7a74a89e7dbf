"""jingsu.korean: the particle (조사) that follows a word, chosen by how the word ends when read."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from jingsu.korean import AMBIGUOUS, josa, particle


@pytest.mark.parametrize(("word", "p", "expected"), [
    # Hangul: the final consonant (받침) decides
    ("체납안내문", "을", "체납안내문을"), ("압류", "을", "압류를"), ("유재석", "은", "유재석은"),
    ("위원 이수근", "이", "위원 이수근이"), ("한지민", "와", "한지민과"), ("담당자", "과", "담당자와"),
    ("성명", "로", "성명으로"), ("과세번호", "으로", "과세번호로"),
    # the ㄹ rule: (으)로 takes 로 after ㄹ; the other particles do not care
    ("서울", "으로", "서울로"), ("전자우편", "로", "전자우편으로"), ("수기 대사", "로", "수기 대사로"),
    ("번호판 영치", "을", "번호판 영치를"), ("일일", "은", "일일은"),
    # any spelling of the particle, including the bracketed one it replaces
    ("압류", "을(를)", "압류를"), ("압류", "를", "압류를"), ("서울", "(으)로", "서울로"), ("직원", "이(가)", "직원이"),
    ("회의", "은(는)", "회의는"), ("위원", "와(과)", "위원과"), ("안건", "(이)나", "안건이나"),
    # digits, read in Korean
    ("1", "로", "1로"), ("3", "을", "3을"), ("6", "로", "6으로"), ("2", "이", "2가"), ("10", "은", "10은"),
    ("100", "이", "100이"), ("1000", "이", "1000이"), ("20,000", "은", "20,000은"), ("2026", "년", None),
    ("1,234,560원", "이", "1,234,560원이"), ("안건 4", "을", "안건 4를"), ("이체 묶음 7", "은", "이체 묶음 7은"),
    ("11260-14-2022-0000003", "을", "11260-14-2022-0000003을"),  # a 과세번호 ends in 삼
    ("088", "은", "088은"), ("0.5", "이", "0.5가"), ("0", "이", "0이"), ("1000000000000", "가", "1000000000000가"),
    ("2026. 11. 23.", "이", "2026. 11. 23.이"), ("14:05", "에", None), ("14:05", "이", "14:05이"),
    # Latin letters: an acronym by its letter names, a word by its usual spelling
    ("KT", "와", "KT와"), ("URL", "로", "URL로"), ("PDF", "을", "PDF를"), ("XLSX", "로", "XLSX로"),
    ("SMS", "을", "SMS를"), ("file", "로", "file로"), ("system", "을", "system을"), ("Kakao", "는", "Kakao는"),
    ("web", "이", "web이"),
    # quotes and brackets: the word before a bracket decides; a bracket alone is read inside
    ("'체납안내문'", "을", "'체납안내문'을"), ("“압류”", "이", "“압류”가"), ("반송일(2026. 1. 5.)", "이", "반송일(2026. 1. 5.)이"),
    ("홍길동(대표)", "을", "홍길동(대표)을"), ("(주)", "을", "(주)를"), ("김*준", "이", "김*준이"), ("홍*", "은", "홍*은"),
    ("5%", "가", "5%가"),
])
def test_josa(word, p, expected):
    if expected is None:
        with pytest.raises(ValueError):
            josa(word, p)
    else:
        assert josa(word, p) == expected


def test_particle_alone_and_non_strings():
    assert particle("서울", "으로") == "로"
    assert josa(3, "을") == "3을"
    assert josa("", "을") == "를"  # nothing to read: the vowel form, never a bracket


def test_the_bracketed_forms_are_recognised():
    for text in ("체납안내문을(를)", "성명(으)로 찾음", "위원 유재석은(는)", "민원이(가)", "위원과(와)", "를(을)"):
        assert AMBIGUOUS.search(text), text
    for text in ("체납안내문을", "반송일(2026. 1. 5.)이", "성명으로 찾음", "(주)를", "(필수)"):
        assert not AMBIGUOUS.search(text), text


def test_template_filter():
    out = Template('{% load jingsu_format %}{{ w|josa:"을" }} {{ n|josa:"(으)로" }} {{ x|josa:"이" }}').render(
        Context({"w": "압류", "n": "성명", "x": "<b>"}))
    assert out == "압류를 성명으로 &lt;b&gt;가"
