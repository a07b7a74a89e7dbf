"""Start the simulator as a real subprocess (tests, demo) and stop it again.

with SimulatorProcess(start=clock.now(), seed=7, fault_rate=0.0, wording_effects={"대부분": 0.051}) as sim:
    sim.url                      # "http://127.0.0.1:PORT"
    sim.control.set_clock(...)   # SimulatorControl
    sim.base_url("kakao")        # "http://127.0.0.1:PORT/kakao" — base URL for an adapter config
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO

from jingsu.simulator.client import SimulatorControl


class SimulatorStartError(RuntimeError):
    pass


#: The environment variables the standalone simulator reads its callback and gateway secrets from.
CALLBACK_SECRET_ENV = "JINGSU_SIMULATOR_CALLBACK_SECRET"
PG_SECRET_ENV = "JINGSU_SIMULATOR_PG_SECRET"


class SimulatorProcess:
    def __init__(
        self,
        *,
        start: datetime,
        seed: int = 0,
        fault_rate: float = 0.0,
        time_scale: float = 0.0,
        rate_limit: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        callback_secret: str | None = None,
        pg_secret: str | None = None,
        hang_seconds: float | None = None,
        slow_seconds: float | None = None,
        wording_effects: Mapping[str, float] | Iterable[tuple[str, float]] | None = None,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 15.0,
        stop_timeout: float = 5.0,
        stderr: int | IO[bytes] | None = None,
        new_session: bool = False,
    ) -> None:
        self.args = [
            sys.executable,
            "-m",
            "jingsu.simulator",
            "--host",
            host,
            "--port",
            str(port),
            "--seed",
            str(seed),
            "--fault-rate",
            str(fault_rate),
            "--time-scale",
            str(time_scale),
            "--rate-limit",
            str(rate_limit),
        ]
        # the simulated world starts at the caller's moment (principle 5): a test's, the demo's or serve's clock
        if start.tzinfo is None:
            raise ValueError("SimulatorProcess needs an aware start time")
        self.args += ["--start", start.isoformat()]
        # secrets go to the child in its environment, not on its command line: not in `ps` for other local users,
        # and a random secret that starts with "-" is not taken for an option
        self.secret_env: dict[str, str] = {}
        if callback_secret is not None:
            self.secret_env[CALLBACK_SECRET_ENV] = callback_secret
        if pg_secret is not None:
            self.secret_env[PG_SECRET_ENV] = pg_secret
        if hang_seconds is not None:
            self.args += ["--hang-seconds", str(hang_seconds)]
        if slow_seconds is not None:
            self.args += ["--slow-seconds", str(slow_seconds)]
        # None: the world's defaults; else exactly these (marker → added payment probability), none when empty.
        # `--opt=value` so that a marker starting with "-" is not taken for an option.
        if wording_effects is not None:
            pairs = wording_effects.items() if isinstance(wording_effects, Mapping) else wording_effects
            self.args.append("--wording-effect=none")
            self.args += [f"--wording-effect={marker}={float(effect)!r}" for marker, effect in pairs]
        self.args += list(extra_args)
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.stderr = stderr
        # own session: a Ctrl+C in the terminal does not reach it, so a supervisor (`jingsu serve`) stops it last
        self.new_session = new_session
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self._control: SimulatorControl | None = None
        self._drain: threading.Thread | None = None

    def start(self) -> SimulatorProcess:
        env = dict(os.environ)
        src = str(Path(__file__).resolve().parents[2])  # .../src, so the child imports this very package
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.secret_env)
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.stderr, env=env,
                                     start_new_session=self.new_session)
        line: list[bytes] = []
        assert self.proc.stdout is not None
        out = self.proc.stdout
        reader = threading.Thread(target=lambda: line.append(out.readline()), daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        if not line or not line[0]:
            self.stop()
            raise SimulatorStartError(f"simulator did not report its URL within {self.startup_timeout}s")
        try:
            self.url = json.loads(line[0])["listening"]
        except (ValueError, KeyError) as e:
            self.stop()
            raise SimulatorStartError(f"unexpected first line from the simulator: {line[0]!r}") from e
        # keep draining stdout so the child never blocks on a full pipe
        self._drain = threading.Thread(target=lambda: [None for _ in out], daemon=True)
        self._drain.start()
        return self

    def base_url(self, provider: str) -> str:
        return f"{self.url}/{provider}"

    @property
    def control(self) -> SimulatorControl:
        if self._control is None:
            self._control = SimulatorControl(self.url)
        return self._control

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(self.stop_timeout)
        if self._drain is not None:
            self._drain.join(1.0)
        if self.proc.stdout is not None and (self._drain is None or not self._drain.is_alive()):
            self.proc.stdout.close()

    def __enter__(self) -> SimulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
