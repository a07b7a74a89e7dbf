"""`jingsu create-admin`: the first administrators of a new office, made on the server, choose their own password
through a one-time link; nothing is printed that would let the operator log in as them."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from jingsu.core.models import AuditLog
from jingsu.staff.models import StaffProfile


@pytest.mark.django_db
def test_create_admin_prints_a_one_time_link_with_which_the_owner_sets_a_password_and_logs_in(
        capsys, settings, console_clock):
    settings.JINGSU_PORTAL_URL = "https://jingsu.jungnang.go.kr"
    call_command("create_admin", "11260", "admin-kim", "--name", "김관리", "--actor", "설치담당")
    out = capsys.readouterr().out
    assert "중랑구 시스템관리자 admin-kim 계정을 만들었습니다." in out
    link = re.search(r"https://jingsu\.jungnang\.go\.kr(/staff/setup/[^/\s]+/)", out)
    assert link, out
    profile = StaffProfile.objects.get(user__username="admin-kim")
    assert profile.role == "sysadmin" and profile.jurisdiction_id == "11260" and profile.display_name == "김관리"
    assert not profile.user.has_usable_password()
    assert {a.action for a in AuditLog.objects.filter(actor="설치담당")} == {"staff.user_create",
                                                                          "staff.setup_link_issue"}

    c = Client()
    r = c.post(link.group(1), {"new_password1": "노을빛-강변-4721", "new_password2": "노을빛-강변-4721"})
    assert r.status_code in (200, 302)
    assert get_user_model().objects.get(username="admin-kim").check_password("노을빛-강변-4721")
    assert Client().post(link.group(1), {"new_password1": "다른-비밀번호-1234", "new_password2": "다른-비밀번호-1234"}
                         ).status_code in (400, 404, 410)  # used once


@pytest.mark.django_db
def test_create_admin_refuses_an_existing_username_and_an_unknown_office(console_clock):
    call_command("create_admin", "11260", "admin-lee")
    with pytest.raises(CommandError, match="아이디 admin-lee는 이미 있습니다."):
        call_command("create_admin", "11260", "admin-lee")
    with pytest.raises(CommandError, match="행정표준코드 99999인 자치단체가 없습니다."):
        call_command("create_admin", "99999", "admin-park")
