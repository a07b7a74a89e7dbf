"""Benchmark: 1,000,000 mixed 재산세 calculations on one core, no trace. Prints JSON.

All objects and classes, tax years 2010–2026 (2010 only in 중랑구, with city_area=false and partial=true, the
way the 2010 rules are available), random 시가표준액, 1세대1주택 and 직전연도 세액 on some houses. The inputs are generated
up front (seeded) so only the calculation is timed. The 납기/분할납부 schedule is excluded by default (pass
--schedule to include it).

    .venv/bin/python bench/law_property_tax.py [--n 1000000] [--schedule]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time

from jingsu.law.property_tax import CLASSES, property_tax


def inputs(n: int, seed: int = 20261123) -> list[dict[str, object]]:
    rnd = random.Random(seed)
    kinds = [(o, c) for o, cs in CLASSES.items() for c in cs]
    out: list[dict[str, object]] = []
    for _ in range(n):
        obj, klass = rnd.choice(kinds)
        year = rnd.randint(2010, 2026)
        if klass == "villa" and year >= 2023:
            klass = "general"
        jur = "11260" if year == 2010 else rnd.choice(("11260", "11350", "11560"))
        d: dict[str, object] = {
            "jurisdiction": jur, "tax_year": year, "obj": obj, "klass": klass,
            "standard_value": rnd.randint(0, 3_000_000_000),
        }
        if year == 2010:
            d["city_area"] = False
            d["partial"] = True
        if obj == "house" and rnd.random() < 0.5:
            d["one_house"] = True
        if rnd.random() < 0.3:
            d["previous_tax"] = rnd.randint(0, 5_000_000)
        out.append(d)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--schedule", action="store_true")
    args = ap.parse_args()
    data = inputs(args.n)
    schedule = args.schedule
    for d in data[:1000]:  # warm the parameter caches
        property_tax(**d, schedule=schedule)  # type: ignore[arg-type]
    start = time.perf_counter()
    checksum = 0
    for d in data:
        checksum += property_tax(**d, schedule=schedule).tax  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    print(json.dumps({
        "benchmark": "law_property_tax",
        "calculations": args.n,
        "seconds": round(elapsed, 3),
        "calculations_per_second": round(args.n / elapsed),
        "schedule": schedule,
        "checksum": checksum,
        "python": platform.python_version(),
    }))


if __name__ == "__main__":
    main()
