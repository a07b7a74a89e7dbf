"""The campaign build's fast paths give exactly what the public functions give, one notice at a time.

The build (notices.services.build_campaign) reads the arrears as plain tuples, remembers penalties per distinct basis
(`LevyPenalties.of_fields`), numbers lines with a table-driven Luhn digit, encodes the canonical content with the
campaign's shared members encoded once (`documents.CanonicalEncoder`) and writes COPY text itself. Each of those is
pinned here against the straightforward computation, and a whole build against a per-notice recomputation through
the public law and document functions (penalty, owed, 전자납부번호, canonical content and its SHA-256, the control
group's draw)."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from jingsu.core.models import Jurisdiction
from jingsu.levies.models import Levy, owed
from jingsu.levies.numbers import _luhn_by_digit, luhn_check_digit, payment_number
from jingsu.levies.penalties import BASIS_FIELDS, LevyPenalties, PenaltyBasis, levy_penalty
from jingsu.notices import documents
from jingsu.notices import services as notices
from jingsu.notices.models import Notice, NoticeTemplate
from jingsu.rolls.generate import generate_roll
from jingsu.rolls.importer import import_roll

AS_OF = date(2026, 11, 23)


def test_the_luhn_digit_by_tables_is_the_digit_by_digit_rule():
    r = random.Random(5)
    for _ in range(20_000):
        digits = "".join(r.choice("0123456789") for _ in range(r.randint(0, 24)))
        assert luhn_check_digit(digits) == _luhn_by_digit(digits), digits
    # the known numbers of the format's documentation and a Unicode digit (int reads it) go the same way
    assert luhn_check_digit("7992739871") == 3
    assert luhn_check_digit("١٢٣") == _luhn_by_digit("١٢٣")
    with pytest.raises(ValueError):
        luhn_check_digit("12a4")


def test_penalties_remembered_per_basis_are_the_law_s_answers(db):
    penalties = LevyPenalties(jurisdiction="11260", as_of=AS_OF, maxsize=4)  # small: the memory starts over
    r = random.Random(7)
    for _ in range(300):
        due = date(2019, 1, 31) + timedelta(days=r.randint(0, 2700))
        basis = PenaltyBasis(
            liability_date=due - timedelta(days=r.choice((30, 60))), due_date=due,
            tax_item=r.choice(("10", "13", "14", "15", "18", "40", "41")), principal=r.choice((0, 9_990, 451_230)),
            city_area_tax=r.choice((0, 12_340)), education_tax=r.choice((0, 30_000)),
            assessment=r.choice(("billed", "self-assessed")), status=r.choice(("normal", "deferred")))
        fields = tuple(getattr(basis, f) for f in BASIS_FIELDS)
        assert penalties.of_fields(fields) == levy_penalty(basis, jurisdiction="11260", as_of=AS_OF)
        assert penalties.of_fields(fields) == penalties(basis)  # remembered: the same answer again


def _one_dump(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _document(campaign, taxpayer, lines, *, reference, template=None, deterrence=None) -> dict:
    """The canonical document as one dict, built member by member (docs: documents.canonical_content)."""
    template = template or campaign.template
    doc = {
        "format": documents.CANONICAL_FORMAT,
        "issuer": {"code": campaign.jurisdiction.code, **campaign.sender.as_issuer()},
        "kind": campaign.kind, "legal_nature": campaign.legal_nature,
        "template": {"kind": template.kind, "version": template.version},
        "as_of": campaign.as_of.isoformat(), "pay_by": campaign.pay_by.isoformat() if campaign.pay_by else None,
        "reference": reference,
        "taxpayer": {"name": taxpayer.name, "registration": taxpayer.registration_masked},
        "lines": lines,
        "totals": {k: sum(x[k] for x in lines) for k in ("tax_due", "penalty", "total")},
    }
    measure = documents.measure_content(campaign)
    if measure is not None:
        doc["measure"] = measure
    if deterrence:
        doc["deterrence"] = dict(deterrence)
    for k in ("refund", "enforcement_cost"):
        if sum(x.get(k, 0) for x in lines):
            doc["totals"][k] = sum(x.get(k, 0) for x in lines)
    return doc


@pytest.mark.parametrize("kind", ["arrears", "license", "disclosure"])
def test_the_encoder_gives_the_bytes_of_one_json_dump_of_the_document(jungnang, clock, kind):
    import_roll(documents_fixture(), jurisdiction=jungnang, clock=clock)
    extra = {}
    if kind != "arrears":
        first = Levy.objects.filter(jurisdiction=jungnang).order_by("taxpayer_id").first()
        extra = {"taxpayers": [first.taxpayer_id],
                 **({"measure_on": AS_OF + timedelta(days=40)} if kind == "license" else {})}
    campaign = notices.create_campaign(jungnang, name="c", kind=kind, as_of=AS_OF, actor="m", clock=clock, **extra)
    campaign.issuer = jungnang.sender.as_issuer()
    encode = documents.CanonicalEncoder(campaign)
    other = NoticeTemplate.objects.exclude(pk=campaign.template_id).filter(kind=kind).first()
    line = documents.canonical_line(
        tax_number="11260-14-2024-0000001", tax_item="14", tax_year=2024, period="정기분",
        object_description='중랑구 "망우로" 1\\2\t', liability_date=date(2024, 6, 1), due_date=date(2024, 7, 31),
        payment_number=payment_number("11260", "14", 2024, 1), principal=120_000, education_tax=24_000,
        city_area_tax=0, tax_due=144_000, penalty=4_320)
    taxpayer = SimpleNamespace(name="홍길동", registration_masked="800101-1******")
    for lines in ([line], [line, {**line, "refund": 5_000}], [{**line, "enforcement_cost": 3_000}, line]):
        for template in (None, other):
            for deterrence in (None, {}, {"measure": "재산 압류", "on": "2026-12-24"}):
                got = encode(taxpayer, lines, reference="N00AB", template=template, deterrence=deterrence)
                want = _one_dump(_document(campaign, taxpayer, lines, reference="N00AB", template=template,
                                           deterrence=deterrence))
                assert got == want
                assert documents.canonical_content(campaign, taxpayer, lines, reference="N00AB", template=template,
                                                   deterrence=deterrence) == want


def documents_fixture():
    from pathlib import Path

    return Path(__file__).parent.parent / "fixtures" / "roll_small.csv"


def _recomputed(campaign, notice: Notice) -> tuple[bytes, list[tuple]]:
    """The notice's content and lines computed one levy at a time through the public functions."""
    levies = sorted((ln.levy for ln in notice.lines.select_related("levy")), key=lambda lv: lv.tax_number)
    lines, rows = [], []
    for lv in levies:
        penalty = 0 if lv.status == Levy.Status.PAID else levy_penalty(PenaltyBasis.of(lv),
                                                                       jurisdiction=campaign.jurisdiction_id,
                                                                       as_of=campaign.as_of)
        o = owed(enforcement_cost=lv.enforcement_cost, enforcement_cost_paid=lv.enforcement_cost_paid,
                 billed_amount=lv.billed_amount, paid_amount=lv.paid_amount, penalty=max(lv.penalty, penalty),
                 penalty_paid=lv.penalty_paid)
        if lv.status == Levy.Status.PAID:
            o = type(o)(0, 0, 0)
        number = payment_number(campaign.jurisdiction_id, lv.tax_item, lv.tax_year, lv.id)
        lines.append(documents.canonical_line(
            tax_number=lv.tax_number, tax_item=lv.tax_item, tax_year=lv.tax_year, period=lv.period,
            object_description=lv.object_description, liability_date=lv.liability_date, due_date=lv.due_date,
            payment_number=number, principal=lv.principal, education_tax=lv.education_tax,
            city_area_tax=lv.city_area_tax, tax_due=o.tax, penalty=o.penalty, enforcement_cost=o.enforcement_cost))
        rows.append((lv.id, number, lv.principal, lv.education_tax, lv.city_area_tax, o.enforcement_cost, o.tax,
                     o.penalty, o.total, 0))
    taxpayer = SimpleNamespace(name=notice.taxpayer.name, registration_masked=notice.taxpayer.registration_masked)
    content = _one_dump(_document(campaign, taxpayer, lines, reference=notice.reference))
    return content, rows


def test_a_build_equals_the_per_notice_computation_through_the_public_functions(jungnang, clock, tmp_path):
    roll = tmp_path / "roll.csv"
    generate_roll(jurisdiction="11260", taxpayers=400, seed=11, out=roll, today=AS_OF)
    import_roll(roll, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    campaign = notices.create_campaign(jungnang, name="c", kind="arrears", as_of=AS_OF, actor="m", clock=clock,
                                       control_share=20, control_seed=4242)
    summary = notices.build_campaign(campaign, actor="m", clock=clock, batch_size=37)  # many batches
    campaign.refresh_from_db()
    built = list(Notice.objects.filter(campaign=campaign).select_related("taxpayer").order_by("id"))
    expected = sorted(set(notices.select_arrears(campaign).values_list("taxpayer_id", flat=True)))
    assert [n.taxpayer_id for n in built] == expected  # one notice per taxpayer, ids in taxpayer order
    assert summary.notices == len(built) and summary.lines == sum(n.lines.count() for n in built)
    control = 0
    for n in built:
        content, rows = _recomputed(campaign, n)
        assert n.doc_hash == hashlib.sha256(content).hexdigest()
        assert sorted(rows) == sorted(n.lines.values_list(
            "levy_id", "payment_number", "principal", "education_tax", "city_area_tax", "enforcement_cost",
            "tax_due", "penalty", "total", "refund"))
        assert n.total_amount == sum(r[8] for r in rows)
        drawn = random.Random(f"4242:{n.taxpayer_id}").random() * 100 < 20
        assert n.control_group == drawn
        assert n.status == (Notice.Status.CONTROL if drawn else Notice.Status.PENDING)
        assert n.created_at == clock.now() and n.paid_amount == 0 and n.arm_id is None and n.deterrence is None
        assert len(n.token) == 43 and n.reference.startswith("N")
        control += drawn
    assert summary.control == control and 0 < control < len(built)


def test_a_build_with_helper_processes_makes_the_same_notices(jungnang, clock, tmp_path):
    """`processes=2`: a forked helper hashes the batches; the notices are those of a build in one process (content
    byte-identical but for the random reference), stored in taxpayer order."""
    roll = tmp_path / "roll.csv"
    generate_roll(jurisdiction="11260", taxpayers=300, seed=12, out=roll, today=AS_OF)
    import_roll(roll, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    standard = NoticeTemplate.objects.filter(kind="arrears", style="standard", active=True).latest("version")
    deterrence = NoticeTemplate.objects.filter(kind="arrears", style="deterrence", active=True).latest("version")

    def built(processes: int) -> list[tuple]:
        from jingsu.notices import experiments
        from jingsu.notices.experiments import ArmSpec

        c = notices.create_campaign(jungnang, name=f"p{processes}", kind="arrears", as_of=AS_OF, actor="m",
                                    clock=clock, control_share=10, control_seed=77, template=standard)
        experiments.set_arms(c, [ArmSpec("기본", standard, 45), ArmSpec("예고", deterrence, 45)],
                             stratify=["amount", "age"], actor="m", clock=clock)
        notices.build_campaign(c, actor="m", clock=clock, batch_size=29, processes=processes)
        out = []
        for n in (Notice.objects.filter(campaign=c).order_by("id")
                  .select_related("campaign__jurisdiction", "campaign__template", "taxpayer", "arm__template")):
            content = documents.notice_canonical_content(n)
            assert hashlib.sha256(content).hexdigest() == n.doc_hash
            out.append((n.taxpayer_id, n.total_amount, n.control_group, n.status, n.arm.label if n.arm else None,
                        n.deterrence, content.replace(n.reference.encode(), b"R"),
                        sorted(n.lines.values_list("levy_id", "payment_number", "tax_due", "penalty", "total"))))
        return out

    one, two = built(1), built(2)
    assert len(one) > 100 and [n[0] for n in one] == sorted(n[0] for n in one)
    assert two == one
    assert any(n[5] for n in one)  # some deterrence notices carry their measure
