"""`jingsu create-admin CODE USERNAME [--name 이름]`: a 시스템관리자 account for a new office, made on the server.

The console makes every account through two people (one asks, another approves). The first two administrators of an
office cannot come from there, so whoever runs commands on the server makes them here (docs/security.md "Bootstrap
from the server"; docs/operations.md). No password is typed or printed: the command prints a one-time set-up link,
valid for JINGSU_ACCOUNT_SETUP_HOURS, with which the owner chooses their own. Audited (staff.user_create,
staff.setup_link_issue)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse

from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.korean import josa
from jingsu.staff import services
from jingsu.staff.models import AccountSetupToken


class Command(BaseCommand):
    help = "서버에서 자치단체의 시스템관리자 계정을 만들고 한 번 쓰는 비밀번호 설정 주소를 출력합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="행정표준코드 (예: 11260)")
        parser.add_argument("username", help="아이디 (예: admin-kim)")
        parser.add_argument("--name", default="", help="이름 (화면에 보일 이름)")
        parser.add_argument("--actor", default="cli", help="기록에 남길 사람")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            j = Jurisdiction.by_code(opts["code"])
        except UnknownJurisdiction:
            raise CommandError(f"행정표준코드 {opts['code']}인 자치단체가 없습니다.") from None
        username = opts["username"].strip()
        if not username:
            raise CommandError("아이디를 주십시오.")
        if get_user_model().objects.filter(username=username).exists():
            raise CommandError(f"아이디 {josa(username, '은')} 이미 있습니다.")
        clock = runtime().clock
        with transaction.atomic():
            profile = services.create_staff_user(username, jurisdiction=j, role="sysadmin", password=None,
                                                 display_name=opts["name"].strip(), actor=opts["actor"], clock=clock)
            raw = services.issue_setup_link(profile, AccountSetupToken.Purpose.NEW, actor=opts["actor"], clock=clock)
        link = settings.JINGSU_PORTAL_URL.rstrip("/") + reverse("staff:account_setup", kwargs={"token": raw})
        hours = settings.JINGSU_ACCOUNT_SETUP_HOURS
        self.stdout.write(f"{j.name} 시스템관리자 {username} 계정을 만들었습니다.")
        self.stdout.write(f"본인에게만 전하십시오. {hours}시간 안에 한 번만 쓸 수 있습니다:\n{link}")
