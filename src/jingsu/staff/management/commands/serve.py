"""`jingsu serve`: the staff console on localhost over the current database (after `make demo`).

Migrates (harmless when up to date), creates one demo user per role in the demo jurisdiction if missing — with a
random password printed once, stored only as Django's salted hash — then runs gunicorn (whitenoise serves the static
files). `--server runserver` uses Django's development server instead (auto-reload while editing)."""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from jingsu.core.models import Jurisdiction
from jingsu.staff import services
from jingsu.staff.models import StaffProfile
from jingsu.staff.roles import ROLES


def demo_username(jurisdiction: str, role_code: str) -> str:
    return f"{role_code}-{jurisdiction}"


def new_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 bits


def ensure_demo_users(jurisdiction: Jurisdiction, *, reset_passwords: bool = False) -> list[tuple[str, str, str]]:
    """(role name, username, password or "") per role; the password only when it was set now."""
    rows = []
    User = get_user_model()
    for role in ROLES:
        username = demo_username(jurisdiction.code, role.code)
        user = User.objects.filter(username=username).first()
        if user is None:
            password = new_password()
            services.create_staff_user(username, jurisdiction=jurisdiction, role=role.code, password=password,
                                       display_name=f"시연 {role.name}", actor="system:serve")
            rows.append((role.name, username, password))
        elif reset_passwords:
            password = new_password()
            profile = StaffProfile.objects.get(user=user)
            services.reset_password(profile, password, actor="system:serve")
            rows.append((role.name, username, password))
        else:
            rows.append((role.name, username, ""))
    return rows


class Command(BaseCommand):
    help = "직원 콘솔을 localhost에서 시작합니다 (역할마다 시연 계정을 만들고 비밀번호를 한 번만 보여 줍니다)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--jurisdiction", default="11260", help="시연 계정의 지자체 (기본: 11260 중랑구, make demo와 같음)")
        parser.add_argument("--reset-passwords", action="store_true", help="이미 있는 시연 계정의 비밀번호도 새로 만듭니다")
        parser.add_argument("--no-demo-users", action="store_true")
        parser.add_argument("--server", choices=["gunicorn", "runserver"], default="gunicorn")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--check", action="store_true", help="준비만 하고 서버는 띄우지 않습니다 (시험용)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not (settings.KRDS_DIR / "css" / "component" / "output.css").is_file():
            raise CommandError(
                f"KRDS 화면 자원이 없습니다: {settings.KRDS_DIR}\n"
                "저장소 최상위에서 `npm ci`를 실행하세요 (`make setup`이 실행합니다). "
                "KRDS assets missing: run `npm ci` at the repository root."
            )
        call_command("migrate", interactive=False, verbosity=0)
        if not opts["no_demo_users"]:
            try:
                j = Jurisdiction.objects.get(code=opts["jurisdiction"])
            except Jurisdiction.DoesNotExist as e:
                raise CommandError(f"지자체 코드가 없습니다: {opts['jurisdiction']}") from e
            rows = ensure_demo_users(j, reset_passwords=opts["reset_passwords"])
            self.stdout.write(f"시연 계정 ({j.name}, 역할마다 하나):")
            for role_name, username, password in rows:
                shown = password or "(이미 있음 — 비밀번호는 처음 만들 때만 보여 줍니다; --reset-passwords)"
                self.stdout.write(f"  {role_name:<8} {username:<24} {shown}")
            if any(p for _, _, p in rows):
                self.stdout.write("비밀번호는 지금 한 번만 보여 주고 어디에도 평문으로 저장하지 않습니다. 적어 두세요.")
        url = f"http://{opts['host']}:{opts['port']}/staff/"
        self.stdout.write(f"직원 콘솔: {url}   (끝내려면 Ctrl+C)")
        self.stdout.flush()
        if opts["check"]:
            return
        env = dict(os.environ, DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "jingsu.settings"))
        if opts["server"] == "runserver":
            argv = [sys.executable, "-m", "jingsu", "runserver", f"{opts['host']}:{opts['port']}"]
        else:
            if shutil.which("gunicorn", path=os.path.dirname(sys.executable)) is None:
                raise CommandError("gunicorn이 없습니다: pip install -e . 로 설치하세요 (또는 --server runserver).")
            argv = [sys.executable, "-m", "gunicorn", "jingsu.wsgi:application",
                    "--bind", f"{opts['host']}:{opts['port']}", "--workers", str(opts["workers"]),
                    "--access-logfile", "-", "--forwarded-allow-ips", "127.0.0.1"]
        sys.stdout.flush()
        os.execve(sys.executable, argv, env)
