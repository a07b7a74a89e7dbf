"""`python -m jingsu.simulator` — run the simulated outside world as an HTTP server.

The first stdout line is JSON ``{"listening": "http://HOST:PORT"}`` (flushed), so a parent process can read the URL
(see jingsu.simulator.process.SimulatorProcess). SIGTERM/SIGINT stop it cleanly.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime

from jingsu.clock import SystemClock
from jingsu.simulator.gateway import DEFAULT_PG_SECRET
from jingsu.simulator.server import DEFAULT_CALLBACK_SECRET, SimServer, Simulator
from jingsu.simulator.world import WorldParams

#: `--wording-effect none`: drop the effects given so far, the defaults included.
CLEAR = "none"


def wording_effect(value: str) -> tuple[str, float] | None:
    """One `--wording-effect` value: `MARKER=PROBABILITY` → (marker, probability); `none` → None (clear)."""
    if value.strip().lower() == CLEAR:
        return None
    marker, sep, number = value.rpartition("=")
    if not sep or not marker:
        raise argparse.ArgumentTypeError(f"expected MARKER=PROBABILITY or {CLEAR}, not {value!r}")
    try:
        effect = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a probability: {number!r} (in {value!r})") from None
    if not -1.0 <= effect <= 1.0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"the added probability must be within [-1, 1], not {number!r}")
    return marker, effect


def wording_effects(values: Sequence[tuple[str, float] | None] | None) -> tuple[tuple[str, float], ...]:
    """The world's wording effects from the `--wording-effect` values in order: start from the defaults, `none`
    clears what is there, `MARKER=P` sets that marker (replacing a default of the same marker)."""
    effects = dict(WorldParams().wording_effects)
    for v in values or ():
        if v is None:
            effects.clear()
        else:
            effects[v[0]] = v[1]
    return tuple(effects.items())


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="jingsu simulator", description="Simulated Kakao/KT/SMS/post/identity/bank/payment-gateway APIs"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 = any free port")
    p.add_argument("--seed", type=int, default=0, help="same seed → same world")
    p.add_argument("--fault-rate", type=float, default=0.0, help="share of provider requests that fail (0–1)")
    p.add_argument(
        "--time-scale",
        type=float,
        default=0.0,
        help="sim time also runs at X × real time (0 = moves only when the client sets/advances it)",
    )
    p.add_argument(
        "--rate-limit", type=float, default=0.0, help="requests/s per provider, then 429 (0 = unlimited)"
    )
    p.add_argument(
        "--start", default=None,
        help="initial sim time, ISO-8601 with offset (default: now; a client's first clock set may move it anywhere)",
    )
    p.add_argument("--callback-secret", default=os.environ.get("JINGSU_SIMULATOR_CALLBACK_SECRET", DEFAULT_CALLBACK_SECRET),
                   help="HMAC secret for KT callbacks (default: $JINGSU_SIMULATOR_CALLBACK_SECRET, else the published "
                        "development secret)")
    p.add_argument("--pg-secret", default=os.environ.get("JINGSU_SIMULATOR_PG_SECRET", DEFAULT_PG_SECRET),
                   help="HMAC secret for payment-gateway notices (default: $JINGSU_SIMULATOR_PG_SECRET, else the "
                        "published development secret)")
    p.add_argument("--hang-seconds", type=float, default=12.0, help="how long 'hang' faults hold a request")
    p.add_argument("--slow-seconds", type=float, default=0.5, help="maximum extra delay of 'slow' faults")
    p.add_argument(
        "--wording-effect", dest="wording_effects", action="append", type=wording_effect, metavar="MARKER=PROBABILITY",
        help="a recipient whose message text contains MARKER pays with PROBABILITY more (repeatable; replaces that "
             "marker's default; 'none' clears the defaults and what came before; see docs/simulator.md)",
    )
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not 0 <= args.fault_rate <= 1:
        print("--fault-rate must be within [0, 1]", file=sys.stderr)
        return 2
    # The one place the simulator may take the wall clock: a standalone run for a person at a terminal. Tests, the
    # demo and `jingsu serve` always pass --start from their own injected clock.
    start = datetime.fromisoformat(args.start) if args.start else SystemClock().now()
    if start.tzinfo is None:
        print("--start needs a UTC offset, e.g. 2026-11-23T09:00:00+09:00", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    sim = Simulator(
        seed=args.seed,
        fault_rate=args.fault_rate,
        time_scale=args.time_scale,
        rate_limit=args.rate_limit,
        start=start,
        callback_secret=args.callback_secret,
        hang_seconds=args.hang_seconds,
        slow_seconds=args.slow_seconds,
        pg_secret=args.pg_secret,
        params=WorldParams(wording_effects=wording_effects(args.wording_effects)),
    )
    server = SimServer((args.host, args.port), sim, verbose=args.verbose)
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    sim.dispatcher.start()
    serving = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="sim-http", daemon=True
    )
    serving.start()
    sys.stdout.write(json.dumps({"listening": server.url}) + "\n")
    sys.stdout.flush()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sim.dispatcher.stop.set()
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
