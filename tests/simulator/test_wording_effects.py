"""Wording effects (issue #17): the simulated recipients respond to the text of an experiment's arm.

Pure tests at the World level (fast, deterministic: fixed seeds, so they never flake), the command line, and one run
of the simulator as a real subprocess over HTTP showing that Kakao, KT and SMS pass the text they receive to the world.
"""

from __future__ import annotations

import argparse
import math
from datetime import datetime, timedelta

import httpx
import pytest

from jingsu.simulator.__main__ import build_parser, wording_effect, wording_effects
from jingsu.simulator.process import SimulatorProcess
from jingsu.simulator.world import SOURCES, WORDING_EFFECT_SOURCES, World, WorldParams
from jingsu.stats import newcombe

T0 = datetime.fromisoformat("2026-11-23T09:00:00+09:00")
DEADLINE = T0 + timedelta(days=14)

PLAIN_TITLE = "중랑구청 체납안내문"
PLAIN = (
    "안녕하세요. 중랑구청입니다. 공인전자문서중계자를 통해 '체납안내문'을 전자문서로 보내 드립니다. "
    "아래 [열람하기] 버튼을 누르고 본인 확인을 거쳐 내용을 확인해 주세요.\n문의: 중랑구청 세무1과 02-2094-0000"
)
NORM = PLAIN.replace("보내 드립니다. ", "보내 드립니다. 중랑구민 대부분은 기한 안에 냅니다. ")
DETERRENCE = PLAIN.replace("보내 드립니다. ", "보내 드립니다. 기한이 지나면 재산을 압류할 수 있습니다. ")
SMS_PLAIN = "[중랑구청] 체납안내문이(가) 도착했습니다. 본인 확인 후 열람: https://jingsu.example/p/x"
SMS_NORM = SMS_PLAIN + " 중랑구민 대부분은 기한 안에 냅니다."


def kakao_text(message: str) -> str:
    return f"{PLAIN_TITLE}\n{message}"


def pay_count(world: World, arm: str, text: str, n: int) -> int:
    """How many of n delivered Kakao recipients ("ci-i") of one arm (payload "<arm>-i") pay."""
    return sum(
        world.document_engagement("kakao", f"ci-{i}", f"{arm}-{i}", T0, None, True, text=text).pay_at is not None
        for i in range(n)
    )


# --- parameters and sources ---------------------------------------------------------------------------------------


def test_defaults_are_the_cited_trials():
    assert WorldParams().wording_effects == (("대부분", 0.051), ("압류", 0.032))
    assert set(WORDING_EFFECT_SOURCES) == {"대부분", "압류"}
    assert "wording_effects" in SOURCES
    assert "5.1" in WORDING_EFFECT_SOURCES["대부분"] and "Hallsworth" in WORDING_EFFECT_SOURCES["대부분"]
    assert "3.2" in WORDING_EFFECT_SOURCES["압류"] and "Antinyan" in WORDING_EFFECT_SOURCES["압류"]
    assert all(s.startswith("[V]") for s in WORDING_EFFECT_SOURCES.values())


@pytest.mark.parametrize(
    "effects",
    [(("", 0.1),), (("x", 1.5),), (("x", -1.01),), (("x", math.nan),), (("x", 0.1), ("x", 0.2))],
)
def test_invalid_wording_effects_are_refused(effects):
    with pytest.raises(ValueError):
        WorldParams(wording_effects=effects)


def test_markers_add_up_and_count_once():
    world = World(1)
    assert world.wording_effect(PLAIN) == 0.0
    assert world.wording_effect(NORM) == pytest.approx(0.051)
    assert world.wording_effect(NORM + " 대부분 " + DETERRENCE) == pytest.approx(0.051 + 0.032)


def test_the_probability_is_clamped():
    always = World(2, WorldParams(wording_effects=(("대부분", 1.0),)))
    never = World(2, WorldParams(wording_effects=(("대부분", -1.0),)))
    n = 500
    assert pay_count(always, "A", kakao_text(NORM), n) == n  # readers and non-readers alike
    assert pay_count(never, "A", kakao_text(NORM), n) == 0
    phones = [f"010{i:08d}" for i in range(n)]
    sms_always = [always.sms_engagement(ph, f"S-{i}", T0, SMS_NORM) for i, ph in enumerate(phones)]
    assert all((e.pay_at is not None) == (e.delivered_at is not None) for e in sms_always)
    assert all(never.sms_engagement(ph, f"S-{i}", T0, SMS_NORM).pay_at is None for i, ph in enumerate(phones))


# --- (a) no marker: the world as before --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 17])
def test_without_a_marker_the_world_is_the_one_without_wording_effects(seed):
    with_defaults = World(seed)
    without = World(seed, WorldParams(wording_effects=()))
    paid = 0
    for i in range(3000):
        ci, payload, phone = f"ci-{i}", f"P-{i}", f"010{i:08d}"
        for channel, deadline, delivered in (("kakao", DEADLINE, True), ("kt", DEADLINE, i % 7 != 0)):
            expected = without.document_engagement(channel, ci, payload, T0, deadline, delivered)
            paid += expected.pay_at is not None
            for text in ("", kakao_text(PLAIN)):
                assert with_defaults.document_engagement(
                    channel, ci, payload, T0, deadline, delivered, text=text
                ) == expected
        expected_sms = without.sms_engagement(phone, payload, T0)
        assert with_defaults.sms_engagement(phone, payload, T0, SMS_PLAIN) == expected_sms
        assert with_defaults.sms_engagement(phone, payload, T0) == expected_sms
    assert paid > 1000  # the comparison covered payers, not only non-payers


def test_a_marker_moves_only_the_payment_and_keeps_every_payer():
    world = World(5)
    gained = 0
    for i in range(3000):
        plain = world.document_engagement("kt", f"ci-{i}", f"P-{i}", T0, DEADLINE, True, text=kakao_text(PLAIN))
        norm = world.document_engagement("kt", f"ci-{i}", f"P-{i}", T0, DEADLINE, True, text=kakao_text(NORM))
        assert (norm.delivered_at, norm.noticed_at, norm.read_at) == (plain.delivered_at, plain.noticed_at,
                                                                     plain.read_at)
        if plain.pay_at is not None:
            assert norm.pay_at == plain.pay_at
        elif norm.pay_at is not None:
            gained += 1
    assert 0.03 * 3000 < gained < 0.08 * 3000  # ≈ 5.1 % of all: +0.051 on every delivered recipient


# --- (b) a known effect is recovered ------------------------------------------------------------------------------


def test_the_analysis_recovers_the_configured_effect():
    """Arm A plain, arm B with the social-norm marker; 2,000 delivered recipients per arm, 100 seeds.

    The marker adds 0.051 to the payment probability of every delivered recipient, read or not (0.66 + 0.051 and
    0.08 + 0.051 stay within [0, 1]), so the expected difference of the arms' payment rates is 0.051 exactly:
    a 95 % Newcombe interval covers it in ~95 of 100 seeds (fewer than 89 has a probability below 1 % for a true
    95 % interval) and, at this size, excludes 0 in most of them."""
    n, effect = 2000, 0.051
    covered, found, diffs = 0, 0, []
    for seed in range(100):
        world = World(seed)
        a = pay_count(world, "A", kakao_text(PLAIN), n)
        b = pay_count(world, "B", kakao_text(NORM), n)
        d, low, high = newcombe(b, n, a, n)
        diffs.append(round(d, 4))
        covered += low <= effect <= high
        found += low > 0
    assert covered >= 89, f"the 95 % interval covered {effect} in {covered} of 100 seeds: {diffs}"
    assert found >= 80, f"the effect was found (interval above 0) in {found} of 100 seeds: {diffs}"
    assert sum(diffs) / len(diffs) == pytest.approx(effect, abs=0.006)


def test_the_deterrence_marker_recovers_its_effect_on_sms():
    n, effect = 4000, 0.032
    world = World(3)
    phones = [f"010{i:08d}" for i in range(2 * n)]
    plain = [world.sms_engagement(ph, f"A-{i}", T0, SMS_PLAIN) for i, ph in enumerate(phones[:n])]
    deter = [world.sms_engagement(ph, f"B-{i}", T0, SMS_PLAIN + " 기한이 지나면 압류합니다.") for i, ph in
             enumerate(phones[n:])]
    na = sum(e.delivered_at is not None for e in plain)
    nb = sum(e.delivered_at is not None for e in deter)
    d, low, high = newcombe(sum(e.pay_at is not None for e in deter), nb, sum(e.pay_at is not None for e in plain), na)
    assert low <= effect <= high, (d, low, high)


# --- (c) A/A: the same text in both arms, no effect found --------------------------------------------------------


def test_an_aa_test_finds_no_effect():
    """Both arms carry the same text (with a marker: it shifts both alike); 500 per arm, 200 seeds. The 95 %
    interval should exclude 0 in about 5 % of the seeds; more than 10 % would be a bias between arms."""
    n, seeds = 500, 200
    false_positives = 0
    for seed in range(seeds):
        world = World(1000 + seed)
        a = pay_count(world, "A", kakao_text(NORM), n)
        b = pay_count(world, "B", kakao_text(NORM), n)
        _, low, high = newcombe(b, n, a, n)
        false_positives += not (low <= 0 <= high)
    share = false_positives / seeds
    assert share <= 0.10, f"A/A: the interval excluded 0 in {false_positives} of {seeds} seeds ({share:.1%})"


# --- the command line -----------------------------------------------------------------------------------------


def test_cli_wording_effects():
    def parsed(*argv: str) -> tuple[tuple[str, float], ...]:
        return wording_effects(build_parser().parse_args(list(argv)).wording_effects)

    assert parsed() == WorldParams().wording_effects
    assert parsed("--wording-effect", "none") == ()
    assert parsed("--wording-effect", "대부분=0.1") == (("대부분", 0.1), ("압류", 0.032))
    assert parsed("--wording-effect", "none", "--wording-effect", "이웃=0.02", "--wording-effect=a=b=-0.01") == (
        ("이웃", 0.02),
        ("a=b", -0.01),
    )
    assert parsed("--wording-effect", "x=1", "--wording-effect", "NONE") == ()
    for bad in ("대부분", "=0.1", "대부분=lots", "대부분=1.5", "대부분=nan"):
        with pytest.raises(argparse.ArgumentTypeError):
            wording_effect(bad)


# --- over HTTP: Kakao, KT and SMS hand the text they receive to the world ----------------------------------------


def test_providers_pass_the_text_they_receive_to_the_world():
    """Marker "대부분" +1.0 and "조용히" −1.0: every delivered recipient of the first text pays, none of the second
    (payloads chosen among those who would not pay on their own anyway)."""
    seed, n = 23, 30
    world = World(seed)
    payloads = iter(p for p in (f"W-{i}" for i in range(10_000)) if world.baseline_pay_at(p, T0) is None)
    auth = {"Authorization": "Bearer test", "Contract-Uuid": "contract-1"}
    with SimulatorProcess(start=T0, seed=seed, wording_effects={"대부분": 1.0, "조용히": -1.0}) as sim, \
            httpx.Client(base_url=sim.url, headers=auth, timeout=10) as http:
        sim.control.set_clock(T0)
        assert sim.control.inspect()["wording_effects"] == {"대부분": 1.0, "조용히": -1.0}
        numbers = [f"{70 + i % 30:02d}{1 + i % 12:02d}{1 + i % 28:02d}{1 + i % 4}{i:06d}" for i in range(4 * n)]
        items = [{"ref": str(i), "registration_number": num} for i, num in enumerate(numbers)]
        cis = [r["ci"] for r in http.post("/identity/v1/ci/batch", json={"items": items}).json()["items"] if r["ci"]]
        # who gets which text: (channel, recipient, payload, marker)
        sends = [(ch, who, next(payloads), marker) for ch, recipients in
                 (("kakao", cis[:2 * n]), ("kt", cis[2 * n:4 * n]), ("sms", [f"010{i:08d}" for i in range(2 * n)]))
                 for who, marker in zip(recipients, ["대부분", "조용히"] * n, strict=False)]
        bill_of = {p: f"{i:019d}" for i, (_, _, p, _) in enumerate(sends)}
        bills = [{"payment_number": pn, "virtual_account": "", "amount": 50_000, "due_date": "2026-12-31",
                  "payload": p} for p, pn in bill_of.items()]
        assert http.post("/bank/v1/bills", json={"bills": bills}).json()["rejected"] == []

        delivered: set[str] = set()
        kakao = [s for s in sends if s[0] == "kakao"]
        docs = [{"title": "중랑구청 체납안내문", "receiver": {"ci": ci},
                 "property": {"link": f"https://jingsu.example/p/{p}", "payload": p, "external_document_uuid": p,
                              "message": f"중랑구민 {m}은 기한 안에 냅니다."},
                 "read_expired_sec": 14 * 86400, "hash": "x" * 40} for _, ci, p, m in kakao]
        answer = http.post("/kakao/v1/documents/bulk", json={"documents": docs}).json()["documents"]
        delivered |= {d["external_document_uuid"] for d in answer if "document_binder_uuid" in d}

        token = http.post("/kt/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": "c",
                                                     "client_secret": "s"}).json()["access_token"]
        kt = [s for s in sends if s[0] == "kt"]
        body = {"service_cd": "SVC", "service_key": "KEY", "msg_cd": "M1", "msg_type": "2", "m_type": "LMS",
                "ex_time": (T0 + timedelta(days=14)).strftime("%Y%m%d%H%M%S"),
                "reqs": [{"src_key": p, "src_seq": str(i + 1), "ci": ci, "url": f"https://jingsu.example/p/{p}",
                          "mms_title": f"중랑구민 {m}은 기한 안에 냅니다",
                          "mms_dtl_cnts": "체납안내문 도착\n{#INFO_CFRM_STR}\n{#RCVE_RF_STR}", "doc_hash": "h",
                          "payload": p} for i, (_, ci, p, m) in enumerate(kt)]}
        reqs = http.post("/kt/v1/messages/main", json=body, headers={"Authorization": f"Bearer {token}"}).json()
        assert {r["rslt_cd"] for r in reqs["reqs"]} == {"00"}
        delivered |= {p for _, ci, p, _ in kt if world.kt_result_code(ci) == "40"}

        sms = [s for s in sends if s[0] == "sms"]
        msgs = [{"key": p, "to": phone, "text": f"[중랑구청] 중랑구민 {m}은 기한 안에 냅니다.", "payload": p}
                for _, phone, p, m in sms]
        ids = {m["message_id"]: m["key"] for m in http.post("/sms/v1/messages", json={"messages": msgs}).json()[
            "messages"]}

        sim.control.advance(timedelta(days=70))
        status = http.post("/sms/v1/status", json={"message_ids": list(ids)}).json()["messages"]
        delivered |= {ids[s["message_id"]] for s in status if s["status"] == "DELIVERED"}
        txns = http.get("/bank/v1/transactions", params={"after": 0, "limit": 10_000}).json()["transactions"]

    payload_of = {pn: p for p, pn in bill_of.items()}
    paid = {payload_of[t["payment_number"]] for t in txns if t["payment_number"]}
    expected = {p for _, _, p, m in sends if m == "대부분" and p in delivered}
    assert paid == expected
    for channel in ("kakao", "kt", "sms"):  # each channel contributed payers and non-paying deliveries
        assert any(ch == channel and p in paid for ch, _, p, _ in sends), channel
        assert any(ch == channel and p in delivered and p not in paid for ch, _, p, _ in sends), channel
