"""Equivalence check for the campaign build: build several campaigns over one imported roll and dump every notice.

    .venv/bin/python bench/campaign_build_dump.py --taxpayers 20000 --out var/bench/dump-after.txt [--processes 2] \
        [--database-url postgresql://…/jingsu_build_dump]

Run it on two checkouts (the code before a change and after it) and `diff` the two files: they must be equal. One line
per notice, sorted by campaign and taxpayer: the taxpayer, the total, control group / arm label, status, the
deterrence measure, whether the stored `doc_hash` equals the hash recomputed from the stored notice
(`documents.document_hash`), the SHA-256 of that canonical content with the notice's random reference replaced by a
fixed one (the content must be byte-identical but for the reference), and each line's levy, 전자납부번호 and
amounts. The references and portal tokens are random (`secrets`), so they are not compared themselves.

The campaigns: a plain 체납안내문; one with a control group (fixed seed) and an amount filter; an experiment (three
arms, one of them the 체납처분 예고 wording, stratified by amount, age and reach); a 독촉장 for two 세목; a 관허사업
제한 예고 for 40 named taxpayers.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
from datetime import date, datetime, timedelta

from _support import JURISDICTION, ROOT, bench_env, fresh_database, start_django

AS_OF = date(2026, 11, 23)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--taxpayers", type=int, default=20_000)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/jingsu_build_dump")
    p.add_argument("--out", required=True)
    p.add_argument("--processes", type=int, default=1, help="build_campaign(processes=…) (code that has it)")
    args = p.parse_args()
    env = bench_env(args.database_url)
    roll = ROOT / "var" / "bench" / f"roll-tp{args.taxpayers}.csv"
    roll.parent.mkdir(parents=True, exist_ok=True)
    jingsu = [sys.executable, "-m", "jingsu"]
    fresh_database(args.database_url)
    subprocess.run([*jingsu, "migrate", "-v", "0"], env=env, check=True)
    if not roll.exists():
        subprocess.run([*jingsu, "generate-roll", "--jurisdiction", JURISDICTION, "--taxpayers",
                        str(args.taxpayers), "--seed", "3", "--out", str(roll), "--today", AS_OF.isoformat()],
                       env=env, check=True)
    subprocess.run([*jingsu, "import-roll", str(roll), "--jurisdiction", JURISDICTION, "--json"], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    start_django(env, migrate=False)
    with open(args.out, "w", encoding="utf-8") as out:
        for name, campaign in _campaigns(args.processes):
            _dump(name, campaign, out)
    return 0


def _campaigns(processes: int):  # type: ignore[no-untyped-def]
    from jingsu.clock import SEOUL, ManualClock
    from jingsu.core.models import Jurisdiction
    from jingsu.notices import experiments
    from jingsu.notices import services as notices
    from jingsu.notices.experiments import ArmSpec
    from jingsu.notices.models import NoticeTemplate
    from jingsu.taxpayers.models import Taxpayer

    clock = ManualClock(datetime(2026, 11, 23, 10, tzinfo=SEOUL))
    j = Jurisdiction.by_code(JURISDICTION)
    extra = {"processes": processes} if processes != 1 else {}

    def build(name: str, **kw):  # type: ignore[no-untyped-def]
        return notices.create_campaign(j, name=name, as_of=AS_OF, actor="maker", clock=clock, **kw)

    def styled(style: str) -> NoticeTemplate:
        return NoticeTemplate.objects.filter(kind="arrears", style=style, active=True).latest("version")

    plain = build("plain", kind="arrears")
    notices.build_campaign(plain, actor="maker", clock=clock, **extra)
    yield "plain", plain
    control = build("control", kind="arrears", control_share=20, control_seed=12345,
                    filters={"min_amount": 50_000})
    notices.build_campaign(control, actor="maker", clock=clock, **extra)
    yield "control", control
    exp = build("experiment", kind="arrears", control_share=10, control_seed=99, template=styled("standard"))
    experiments.set_arms(exp, [ArmSpec("기본", styled("standard"), 30), ArmSpec("예고", styled("deterrence"), 30),
                               ArmSpec("알림", styled("reminder"), 30)],
                         stratify=["amount", "age", "reach"], actor="maker", clock=clock)
    notices.build_campaign(exp, actor="maker", clock=clock, **extra)
    yield "experiment", exp
    demand = build("demand", kind="demand", filters={"tax_items": ["13", "15"], "max_age": 1})
    try:
        notices.build_campaign(demand, actor="maker", clock=clock, **extra)
        yield "demand", demand
    except notices.CampaignError as e:
        print("demand:", e, file=sys.stderr)
    ids = list(Taxpayer.objects.filter(jurisdiction=j).order_by("pk").values_list("pk", flat=True)[:400:10])
    measure = build("license", kind="license", taxpayers=ids, measure_on=AS_OF + timedelta(days=40))
    notices.build_campaign(measure, actor="maker", clock=clock, **extra)
    yield "license", measure


def _dump(name: str, campaign, out) -> None:  # type: ignore[no-untyped-def]
    import json

    from jingsu.notices.documents import notice_canonical_content
    from jingsu.notices.models import Notice

    qs = (Notice.objects.filter(campaign=campaign).order_by("taxpayer_id")
          .select_related("campaign__jurisdiction", "campaign__template", "taxpayer", "arm__template")
          .prefetch_related("lines__levy"))
    for n in qs.iterator(chunk_size=2000):
        content = notice_canonical_content(n)
        same = hashlib.sha256(content).hexdigest() == n.doc_hash
        normal = hashlib.sha256(content.replace(n.reference.encode(), b"REF")).hexdigest()
        lines = sorted((ln.levy_id, ln.payment_number, ln.principal, ln.education_tax, ln.city_area_tax,
                        ln.enforcement_cost, ln.tax_due, ln.penalty, ln.total, ln.refund) for ln in n.lines.all())
        arm = n.arm.label if n.arm_id else "-"
        out.write(f"{name} {n.taxpayer_id} {n.total_amount} control={n.control_group} arm={arm} {n.status} "
                  f"hash_ok={same} {normal} det={json.dumps(n.deterrence, ensure_ascii=False, sort_keys=True)} "
                  f"{lines}\n")


if __name__ == "__main__":
    raise SystemExit(main())
