"""Roles and permissions of the staff console — the one place that says who may do what.

A role is a Django Group of the same (Korean) name holding the permissions listed here; `StaffProfile.role` names
the group the user is in. Permissions are custom permissions of the `staff` app (`user.has_perm("staff.<codename>")`).
Every console view declares one of these codenames (`jingsu.staff.access.staff_view`); a test walks every URL and
checks that the declaration holds for every role.

To add a permission or change a role: edit this file and run `jingsu migrate` — the groups are brought in line with
this file after every migrate (`sync_groups`, also run by the data migration `0002_roles`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models.signals import post_migrate

#: codename → what it allows (Korean, shown in the admin and the docs).
PERMISSIONS: dict[str, str] = {
    "use_console": "직원 콘솔 사용(첫 화면)",
    "view_taxpayer": "납세자·부과·안내문·수납 조회(등록번호는 가린 채로)",
    "reveal_personal_data": "등록번호 열람(사유 기재, 감사 기록)",
    "import_roll": "체납 자료 가져오기",
    "prepare_campaign": "안내 캠페인 작성·대상 확정",
    "approve_campaign": "안내 캠페인 승인·발송(작성자와 다른 사람)",
    "manage_payments": "미확인 수납 처리·환급 안내",
    "view_reports": "효과 보고서 조회",
    "view_enforcement_worklist": "체납처분 대상 조회·내려받기",
    "view_rewards": "포상금 대장·안건·위원회·지급 조회(읽기 전용)",
    "manage_rewards": "포상금 대장·지급 준비",
    "vote_committee": "공적심사위원회 심사·의결",
    "manage_enforcement": "체납처분 사건 열기·단계 변경 요청",
    "approve_enforcement": "체납처분 사건의 권리 제한 단계 승인·반려(요청한 사람과 다른 사람)",
    "view_audit_log": "감사 기록 조회",
    "manage_users": "직원 계정·역할 관리",
    "view_city_figures": "시에 속한 구별 합계 조회(개인정보 없음)",
}


@dataclass(frozen=True)
class Role:
    code: str  # StaffProfile.role
    name: str  # the Group's name (Korean)
    description: str
    permissions: frozenset[str]


ROLES: tuple[Role, ...] = (
    Role("clerk", "담당자", "체납 자료를 가져오고 안내 캠페인을 준비합니다.", frozenset({
        "use_console", "view_taxpayer", "reveal_personal_data", "import_roll", "prepare_campaign",
        "manage_payments", "view_reports", "view_rewards", "manage_rewards", "view_enforcement_worklist",
        "manage_enforcement",
    })),
    Role("team_lead", "팀장", "담당자가 준비한 캠페인과 체납처분 단계를 승인합니다(요청한 사람과 승인하는 사람은 다릅니다).",
         frozenset({
             "use_console", "view_taxpayer", "reveal_personal_data", "approve_campaign", "view_reports",
             "view_rewards", "view_enforcement_worklist", "approve_enforcement",
         })),
    Role("section_chief", "과장", "부서의 현황과 효과를 봅니다.", frozenset({
        "use_console", "view_taxpayer", "view_reports", "view_rewards", "view_enforcement_worklist",
    })),
    Role("committee_member", "공적심사위원", "세입징수 포상금 공적심사에 참여합니다.", frozenset({
        "use_console", "view_rewards", "vote_committee",
    })),
    Role("auditor", "감사", "모든 기록을 읽기만 하고 감사 기록을 봅니다.", frozenset({
        "use_console", "view_taxpayer", "view_reports", "view_rewards", "view_audit_log", "view_enforcement_worklist",
    })),
    Role("city_analyst", "시 담당", "시에 속한 자치구의 구별 합계만 봅니다(납세자와 개인정보는 보지 않습니다).",
         frozenset({"use_console", "view_city_figures"})),
    Role("sysadmin", "시스템관리자", "직원 계정과 역할을 관리하고 감사 기록을 봅니다.", frozenset({
        "use_console", "manage_users", "view_audit_log",
    })),
)

#: The state of an account whose role is not (yet) approved: it can log in, see its own account page and the notices
#: about it, and nothing else. Not grantable (not in ROLES): a new account starts here and a role comes to it only
#: through a role request that a second 시스템관리자 approves (docs/security.md "Accounts and maker-checker").
NO_ROLE = Role("none", "역할 없음", "역할이 아직 승인되지 않았습니다. 다른 시스템관리자가 승인하면 일을 할 수 있습니다.",
               frozenset({"use_console"}))

#: Permissions that see or change taxpayer data, money or rewards. A role holding any of them is a data role.
DATA_PERMISSIONS: frozenset[str] = frozenset({
    "view_taxpayer", "reveal_personal_data", "import_roll", "prepare_campaign", "approve_campaign",
    "manage_payments", "view_reports", "view_rewards", "manage_rewards", "vote_committee", "view_enforcement_worklist",
    "manage_enforcement", "approve_enforcement",
})

#: The data roles: 담당자, 팀장, 과장, 공적심사위원, 감사 (every role but 시스템관리자). Granting any role — a data role,
#: or 시스템관리자 (a second administrator could approve the first one's requests) — needs a second administrator.
DATA_ROLES: frozenset[str] = frozenset(r.code for r in ROLES if r.permissions & DATA_PERMISSIONS)

ALL_ROLES: tuple[Role, ...] = ROLES + (NO_ROLE,)
ROLE_BY_CODE: dict[str, Role] = {r.code: r for r in ALL_ROLES}
#: roles that can be granted (forms); the model also accepts NO_ROLE.
ROLE_CHOICES = [(r.code, r.name) for r in ROLES]
ALL_ROLE_CHOICES = [(r.code, r.name) for r in ALL_ROLES]

for _role in ALL_ROLES:
    _unknown = _role.permissions - PERMISSIONS.keys()
    assert not _unknown, f"role {_role.code}: unknown permissions {_unknown}"
    # The administrator's account holds no data role: whoever manages accounts sees no taxpayer data or money.
    assert not ("manage_users" in _role.permissions and _role.permissions & DATA_PERMISSIONS), \
        f"role {_role.code}: manage_users together with a data permission"
assert NO_ROLE.code not in DATA_ROLES and not NO_ROLE.permissions & DATA_PERMISSIONS


def sync_groups(apps: Any) -> None:
    """Create the permissions and one Group per role, with exactly the role's permissions. Idempotent.

    `apps` is a migration state's app registry (or `django.apps.apps`).
    """
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    ct, _ = ContentType.objects.get_or_create(app_label="staff", model="staffprofile")
    perms = {}
    for codename, label in PERMISSIONS.items():
        perm, _ = Permission.objects.get_or_create(content_type=ct, codename=codename, defaults={"name": label})
        if perm.name != label:
            perm.name = label
            perm.save(update_fields=["name"])
        perms[codename] = perm
    for role in ALL_ROLES:
        group, _ = Group.objects.get_or_create(name=role.name)
        group.permissions.set([perms[c] for c in sorted(role.permissions)])


def _sync_after_migrate(sender: Any, app_config: Any = None, apps: Any = None, **kwargs: Any) -> None:
    if app_config is not None and app_config.label == "staff" and apps is not None:
        try:
            apps.get_model("staff", "StaffProfile")
        except LookupError:  # migrating backwards past 0001
            return
        sync_groups(apps)


def connect_sync(app_config: Any) -> None:
    post_migrate.connect(_sync_after_migrate, sender=app_config, dispatch_uid="jingsu.staff.sync_groups")
