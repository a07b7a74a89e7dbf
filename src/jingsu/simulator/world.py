"""The simulated population: who is reachable where, who opens, who pays, and when.

Everything here is a pure function of the seed and a recipient key (CI, phone number, postal address) plus the
document's payload: the same seed gives the same world, whatever order requests arrive in. Draws are uniform numbers
derived from a keyed BLAKE2b hash, not from a shared random generator, so concurrency does not change the outcome.

Every parameter carries its source. Sources are the published practice reports named per value:
[V] stated in a cited source, [I] inference/assumption made for the simulator (see docs/simulator.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")

HOUR = 3600.0
DAY = 86400.0


@dataclass(frozen=True)
class WorldParams:
    """Parameters of the simulated population. Sources in SOURCES below (and docs/simulator.md)."""

    # identity agency
    ci_no_match_share: float = 0.02
    # reach
    kakao_user_share: float = 0.75
    kakao_refusal_share: float = 0.02  # of Kakao users: 수신거부
    neither_share_of_non_kakao: float = 0.20  # 0.25 × 0.20 = 5 % of all CIs reachable by neither route
    kt_refusal_share: float = 0.015  # 4N 수신거부 (of telco-reachable)
    kt_multiline_excluded_share: float = 0.02  # 4R 다회선 제외 (of telco-reachable)
    kt_unreachable_4t_share: float = (
        0.70  # of the unreachable: 4T 가입자미존재, the rest 47 비가입자/결번/정지
    )
    delivery_delay_min_s: float = 2.0
    delivery_delay_max_s: float = 60.0
    # opening (of delivered documents)
    open_same_day_share: float = 0.36
    open_share: float = 0.44
    same_day_open_mean_s: float = 1.5 * HOUR
    late_open_mean_s: float = 3.0 * DAY
    notice_before_read_max_s: float = 300.0  # KT 50 수신확인 precedes 60 열람확인 by up to 5 minutes
    ott_validity_s: float = 600.0
    # payment
    pay_share_of_readers: float = 0.66
    pay_share_of_unread: float = 0.08
    pay_within_3h_share: float = 0.76  # of payers
    pay_within_3d_share: float = 0.92  # of payers (cumulative)
    pay_mean_within_3h_s: float = 40 * 60.0
    pay_one_bill_share: float = 0.05
    pay_partial_share: float = 0.04
    pay_twice_share: float = 0.01
    channel_easy_pay: float = 0.40
    channel_e_payment: float = 0.30
    channel_virtual_account: float = 0.25
    channel_counter: float = 0.05
    # baseline: people who pay whether or not a notice reaches them (what the control group measures)
    baseline_pay_share: float = 0.04
    baseline_pay_max_days: int = 30
    # SMS
    sms_undeliverable_share: float = 0.03
    sms_delivery_max_s: float = 10.0
    sms_pay_share: float = 0.12
    # paper
    paper_delivery_min_days: int = 2
    paper_delivery_max_days: int = 4
    paper_return_share: float = 0.03
    paper_return_after_max_days: int = 3
    paper_pay_share: float = 0.10
    return_reasons: tuple[tuple[str, float], ...] = field(
        default=(("수취인불명", 0.4), ("폐문부재", 0.3), ("이사불명", 0.3))
    )
    # payment gateway (간편결제)
    pg_checkout_validity_s: float = 15 * 60.0
    # wording: (marker, added payment probability). A recipient whose message text (Kakao/KT: title + message;
    # SMS: text) contains the marker pays with that much higher probability; several markers add up. Sources of
    # the defaults: WORDING_EFFECT_SOURCES.
    wording_effects: tuple[tuple[str, float], ...] = field(default=(("대부분", 0.051), ("압류", 0.032)))

    def __post_init__(self) -> None:
        effects = tuple((m, float(e)) for m, e in self.wording_effects)
        markers = [m for m, _ in effects]
        for m, e in effects:
            if not isinstance(m, str) or not m:
                raise ValueError(f"wording effect marker must be a non-empty string, not {m!r}")
            if not (math.isfinite(e) and -1.0 <= e <= 1.0):
                raise ValueError(f"wording effect of {m!r} must be a probability within [-1, 1], not {e!r}")
        if len(set(markers)) != len(markers):
            raise ValueError(f"wording effect markers must be distinct: {markers}")
        object.__setattr__(self, "wording_effects", effects)


SOURCES: dict[str, str] = {
    "ci_no_match_share": "[I] brief: a small share of numbers has no CI (deceased, never registered, data errors)",
    "kakao_user_share": "[V] §3.2/§1.8 용인: 3,600 of 4,800 were KakaoTalk users (75 %); 송파 수신율 74.6 %",
    "kakao_refusal_share": "[I] §1.2/§1.8 수신거부자 exist as a recipient state; no public share",
    "neither_share_of_non_kakao": "[I] brief: ~5 % reachable by neither Kakao nor telco (2G, 법인 phones, no CI at telco)",
    "kt_refusal_share": "[I] §4.3 code 4N 수신거부; share not published",
    "kt_multiline_excluded_share": "[I] §1.8/§4.3 code 4R 다회선 제외 (multi_mbl_prc_type 2 default); share not published",
    "kt_unreachable_4t_share": "[I] §4.3 codes 4T 가입자미존재 / 47 비가입자·결번·정지; split assumed",
    "delivery_delay_min_s": "[I] box delivery within seconds to a minute",
    "delivery_delay_max_s": "[I] idem",
    "open_same_day_share": "[V] §3.2/§3.5 용인: 1,308 of 3,600 reachable opened the same day (36 %); modelled as 'within 24 h'",
    "open_share": "[V] §3.2 용인: 1,579 of 3,600 reachable opened (44 %)",
    "same_day_open_mean_s": "[I] same-day openers mostly open soon after the alert (truncated exponential, mean 1.5 h, ≤24 h)",
    "late_open_mean_s": "[I] tail after day 1: exponential, mean 3 days; none after the read deadline → EXPIRED (§1.6)",
    "notice_before_read_max_s": "[I] KT 50 수신확인 shortly before 60 열람확인 (§4.3 codes)",
    "ott_validity_s": "[I] one-time token lifetime (§4.1 token_expires_at; value not published)",
    "pay_share_of_readers": "[V] §0.6/§3.2 서울 pilot: 66 % of those who opened the detail paid",
    "pay_share_of_unread": "[I] 'a few pay without reading' (서울 reports 34 % of payers did not open: an upper bound)",
    "pay_within_3h_share": "[V-derived] §3.2 과천: 45 % of all paid within 3 h, 59.1 % within 3 days → 45/59 ≈ 76 % of payers",
    "pay_within_3d_share": "[I] of payers; the rest pay over the following ~4 weeks",
    "pay_mean_within_3h_s": "[I] truncated exponential within the first 3 hours",
    "pay_one_bill_share": "[I] reconciliation edge case: pays only one bill of the notice",
    "pay_partial_share": "[I] reconciliation edge case: transfers part of one bill to the virtual account",
    "pay_twice_share": "[I] reconciliation edge case: pays the first bill twice (two channels) → overpayment",
    "channel_easy_pay": "[V] §3.2 용인: 40 % of payers used Kakao Pay 간편결제",
    "channel_e_payment": "[I] 위택스/ETAX with the 전자납부번호 (§1.9)",
    "channel_virtual_account": "[I] 가상계좌 transfer (§1.9)",
    "channel_counter": "[I] bank counter / ARS",
    "baseline_pay_share": "[I] 체납자 who pay within a month with no notice (e.g. needing a 납세증명서); no public share",
    "baseline_pay_max_days": "[I] baseline payments spread evenly over the month after the bills are registered",
    "sms_undeliverable_share": "[I] wrong/dead numbers",
    "sms_delivery_max_s": "[I]",
    "sms_pay_share": "[I] SMS fallback (§1.7) pays less than the first channel",
    "paper_delivery_min_days": "[I] brief: paper delivered 2–4 days after batch submission",
    "paper_delivery_max_days": "[I] idem",
    "paper_return_share": "[I] brief: ~3 % returned (반송); 강남 re-targets 등기-반송 non-payers (§3.3)",
    "paper_return_after_max_days": "[I] returned 1–3 days after the delivery attempt",
    "paper_pay_share": "[I] brief: ~10 % pay after paper delivery",
    "pg_checkout_validity_s": "[I] a 간편결제 checkout (결제창) left unanswered expires; 15 min assumed, PGs do not publish one value",
    "return_reasons": "[I] 반송 reasons 수취인불명/폐문부재/이사불명 (시행령 제18조 context, §2.1); weights assumed",
    "wording_effects": "[I] modelled as additive on the payment probability of every recipient the text reaches "
    "(intent-to-treat, as the trials measured it); each default marker's size is cited in WORDING_EFFECT_SOURCES",
}

#: The source of each default wording effect (issue #17: experiments with arms whose alert texts differ).
WORDING_EFFECT_SOURCES: dict[str, str] = {
    "대부분": "[V] social norm: Hallsworth, List, Metcalfe & Vlaev (2017), 'The behavioralist as tax collector', "
    "Journal of Public Economics 148: HMRC letter saying most people pay on time and the recipient is in the small "
    "minority who have not: +5.1 percentage points paid (as cited in issue #17)",
    "압류": "[V] deterrence: Antinyan & Asatryan (2025), 'Nudging for tax compliance: a meta-analysis', The Economic "
    "Journal 135(668), doi:10.1093/ej/ueae088: deterrence nudges +3.2 percentage points on top of a plain reminder "
    "(reminders themselves +2.7 pp)",
}

assert set(SOURCES) == {f.name for f in fields(WorldParams)}, "every parameter needs a source"
assert {m for m, _ in WorldParams().wording_effects} == set(WORDING_EFFECT_SOURCES), (
    "every default wording effect needs a source"
)


@dataclass(frozen=True, slots=True)
class Engagement:
    """What one recipient does with one document (times in UTC-aware datetimes; None = never)."""

    delivered_at: datetime | None
    failure_code: str | None  # channel-specific reason when not delivered
    noticed_at: datetime | None  # KT 50 수신확인 (opened the message)
    read_at: datetime | None
    pay_at: datetime | None


@dataclass(frozen=True, slots=True)
class PayPlan:
    mode: str  # "full" | "one_bill" | "partial" | "twice"
    channel: str
    second_channel: str
    partial_fraction: float
    twice_delay_s: float


class World:
    def __init__(self, seed: int, params: WorldParams | None = None) -> None:
        self.seed = seed
        self.params = params or WorldParams()
        self._key = hashlib.sha256(f"jingsu-simulator|{seed}".encode()).digest()
        self._ci_secret = hashlib.sha256(f"jingsu-simulator-ci|{seed}".encode()).digest()

    # --- deterministic draws --------------------------------------------------------------------------------

    def u(self, *parts: str) -> float:
        """Uniform [0, 1) from the seed and the parts."""
        h = hashlib.blake2b("\x1f".join(parts).encode(), key=self._key, digest_size=8).digest()
        return int.from_bytes(h, "big") / 2**64

    def hexid(self, *parts: str, n: int = 32) -> str:
        h = hashlib.blake2b("\x1f".join(parts).encode(), key=self._key, digest_size=32).hexdigest()
        return h[:n]

    def uuid(self, *parts: str) -> str:
        h = self.hexid(*parts, n=32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    # --- identity agency ----------------------------------------------------------------------------------------

    @staticmethod
    def valid_registration_number(number: str) -> bool:
        if len(number) != 13 or not number.isascii() or not number.isdigit():
            return False
        month, day = int(number[2:4]), int(number[4:6])
        return 1 <= month <= 12 and 1 <= day <= 31

    def ci_for(self, number: str) -> tuple[str | None, str]:
        if not self.valid_registration_number(number):
            return None, "INVALID"
        if self.u("ci-match", number) < self.params.ci_no_match_share:
            return None, "NO_MATCH"
        mac = hmac.new(self._ci_secret, number.encode(), hashlib.sha512).digest()
        return base64.b64encode(mac).decode(), "OK"

    # --- recipient traits ---------------------------------------------------------------------------------------

    def is_kakao_user(self, ci: str) -> bool:
        return self.u("kakao-user", ci) < self.params.kakao_user_share

    def kakao_refuses(self, ci: str) -> bool:
        return self.u("kakao-refuse", ci) < self.params.kakao_refusal_share

    def telco_reachable(self, ci: str) -> bool:
        if self.is_kakao_user(ci):
            return True
        return self.u("telco-neither", ci) >= self.params.neither_share_of_non_kakao

    def kt_result_code(self, ci: str) -> str:
        """KT BC-AG-SN-010 first result code for a CI: 40 delivered, else a failure code."""
        p = self.params
        if not self.telco_reachable(ci):
            return "4T" if self.u("kt-unreach", ci) < p.kt_unreachable_4t_share else "47"
        x = self.u("kt-fail", ci)
        if x < p.kt_refusal_share:
            return "4N"
        if x < p.kt_refusal_share + p.kt_multiline_excluded_share:
            return "4R"
        return "40"

    # --- time draws ---------------------------------------------------------------------------------------------

    @staticmethod
    def _trunc_exp(u: float, mean: float, cap: float) -> float:
        """Inverse CDF of an exponential with the given mean truncated to [0, cap]."""
        return -mean * math.log(1.0 - u * (1.0 - math.exp(-cap / mean)))

    def _pay_delay(self, *parts: str) -> float:
        p = self.params
        x = self.u("pay-when", *parts)
        y = self.u("pay-when-2", *parts)
        if x < p.pay_within_3h_share:
            return self._trunc_exp(y, p.pay_mean_within_3h_s, 3 * HOUR)
        if x < p.pay_within_3d_share:  # log-uniform between 3 h and 3 days
            return 3 * HOUR * math.exp(y * math.log(24))
        return 3 * DAY + y * 27 * DAY

    # --- wording (issue #17) -----------------------------------------------------------------------------------

    def wording_effect(self, text: str) -> float:
        """The payment probability added by the markers `text` contains (0 when none; several add up)."""
        return sum((e for m, e in self.params.wording_effects if m in text), 0.0)

    def _pay_share(self, base: float, text: str) -> float:
        """`base` plus the wording effect of `text`, clamped to [0, 1]. Without a marker: `base` itself, so a
        recipient's pay draw decides exactly as before (a marker only moves the threshold the same draw meets)."""
        effect = self.wording_effect(text) if text else 0.0
        if effect == 0.0:
            return base
        return min(1.0, max(0.0, base + effect))

    # --- engagement per channel ---------------------------------------------------------------------------------

    def document_engagement(
        self,
        channel: str,
        ci: str,
        payload: str,
        sent_at: datetime,
        deadline: datetime | None,
        delivered: bool,
        text: str = "",
    ) -> Engagement:
        """Kakao / KT: delivery, opening (before the read deadline only) and payment.

        `text` is what the recipient sees of the message without opening it (Kakao: title and message; KT: title and
        body): its wording markers raise the payment probability of readers and non-readers alike."""
        p = self.params
        k = (channel, ci, payload)
        if not delivered:
            return Engagement(None, None, None, None, None)
        delay = p.delivery_delay_min_s + self.u("deliver", *k) * (
            p.delivery_delay_max_s - p.delivery_delay_min_s
        )
        delivered_at = sent_at + timedelta(seconds=delay)
        x = self.u("open", *k)
        y = self.u("open-when", *k)
        read_at: datetime | None = None
        if x < p.open_same_day_share:
            read_at = delivered_at + timedelta(seconds=self._trunc_exp(y, p.same_day_open_mean_s, DAY))
        elif x < p.open_share:
            read_at = delivered_at + timedelta(seconds=DAY + self._trunc_exp(y, p.late_open_mean_s, 29 * DAY))
        if read_at is not None and deadline is not None and read_at > deadline:
            read_at = None  # would have opened, but the document had expired
        noticed_at = None
        if read_at is not None:
            back = self.u("notice", *k) * p.notice_before_read_max_s
            noticed_at = max(delivered_at, read_at - timedelta(seconds=back))
        pay_at = None
        if read_at is not None:
            if self.u("pay", *k) < self._pay_share(p.pay_share_of_readers, text):
                pay_at = read_at + timedelta(seconds=self._pay_delay(*k))
        elif self.u("pay", *k) < self._pay_share(p.pay_share_of_unread, text):
            pay_at = delivered_at + timedelta(seconds=HOUR + self._pay_delay(*k))
        return Engagement(delivered_at, None, noticed_at, read_at, pay_at)

    def sms_engagement(self, phone: str, payload: str, sent_at: datetime, text: str = "") -> Engagement:
        """SMS: delivery and payment; the wording markers of `text` raise the payment probability."""
        p = self.params
        k = ("sms", phone, payload)
        if self.u("sms-fail", phone) < p.sms_undeliverable_share:
            return Engagement(None, "UNDELIVERABLE", None, None, None)
        delivered_at = sent_at + timedelta(seconds=1 + self.u("deliver", *k) * (p.sms_delivery_max_s - 1))
        pay_at = None
        if payload and self.u("pay", *k) < self._pay_share(p.sms_pay_share, text):
            pay_at = delivered_at + timedelta(seconds=self._pay_delay(*k))
        return Engagement(delivered_at, None, None, None, pay_at)

    def mail_engagement(
        self, address_key: str, payload: str, accepted_at: datetime
    ) -> tuple[date, str | None, date | None, datetime | None]:
        """Paper: (delivery or attempt date, return reason or None, returned_on, pay_at)."""
        p = self.params
        k = ("post", address_key, payload)
        span = p.paper_delivery_max_days - p.paper_delivery_min_days + 1
        days = p.paper_delivery_min_days + int(self.u("post-days", *k) * span)
        on = accepted_at.astimezone(KST).date() + timedelta(days=days)
        if self.u("post-return", address_key) < p.paper_return_share:
            x = self.u("post-reason", address_key)
            acc = 0.0
            reason = p.return_reasons[-1][0]
            for name, w in p.return_reasons:
                acc += w
                if x < acc:
                    reason = name
                    break
            back = 1 + int(self.u("post-back", *k) * p.paper_return_after_max_days)
            return on, reason, on + timedelta(days=back), None
        pay_at = None
        if payload and self.u("pay", *k) < p.paper_pay_share:
            pay_at = self.mail_delivered_at(address_key, payload, on) + timedelta(seconds=self._pay_delay(*k))
        return on, None, None, pay_at

    def mail_delivered_at(self, address_key: str, payload: str, on: date) -> datetime:
        return datetime.combine(on, time(11, 0), KST) + timedelta(
            seconds=self.u("post-hour", "post", address_key, payload) * 6 * HOUR
        )

    # --- payment behaviour --------------------------------------------------------------------------------------

    def baseline_pay_at(self, payload: str, registered_at: datetime) -> datetime | None:
        """When the holder of `payload` pays on their own, notice or not (None: not without a notice)."""
        p = self.params
        if self.u("baseline", payload) >= p.baseline_pay_share:
            return None
        return registered_at + timedelta(seconds=self.u("baseline-when", payload) * p.baseline_pay_max_days * DAY)

    def pay_plan(self, payload: str) -> PayPlan:
        p = self.params
        x = self.u("pay-mode", payload)
        if x < p.pay_one_bill_share:
            mode = "one_bill"
        elif x < p.pay_one_bill_share + p.pay_partial_share:
            mode = "partial"
        elif x < p.pay_one_bill_share + p.pay_partial_share + p.pay_twice_share:
            mode = "twice"
        else:
            mode = "full"
        channels = (
            ("easy-pay", p.channel_easy_pay),
            ("e-payment", p.channel_e_payment),
            ("virtual-account", p.channel_virtual_account),
            ("counter", p.channel_counter),
        )
        c = self.u("pay-channel", payload)
        acc = 0.0
        channel = channels[-1][0]
        for name, w in channels:
            acc += w
            if c < acc:
                channel = name
                break
        if mode == "partial":
            channel = "virtual-account"  # a virtual account takes any amount; 전자납부번호 payments are exact
        second = "virtual-account" if channel != "virtual-account" else "easy-pay"
        return PayPlan(
            mode=mode,
            channel=channel,
            second_channel=second,
            partial_fraction=0.3 + 0.4 * self.u("pay-partial", payload),
            twice_delay_s=600 + self.u("pay-twice", payload) * 6600,
        )
