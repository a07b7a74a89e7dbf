"""The audit log in words: a Korean name for every action, target and detail, and for who acted.

The rows keep their codes (`reward.batch.paid`, `rewards.claim` 4, `{"amount": 900}`, `system:reconcile`): they are
the record, searched and compared by code. People see them through this module only (the audit log screen, its
filter, the console's "who did it" columns):

    action_label("reward.batch.paid")            → "포상금 지급 완료" (an unknown action: "포상금 관련 작업", never the code)
    target_label("rewards.claim", "4")           → "포상금 지급신청 4번"
    detail_items("reward.claim.approve", {...})  → [("금액", "43,570원"), ("남은 예산", "956,430원"), ("지급 연도", "2026")]
    actor_label("system:reconcile")              → "시스템(수납 대사)"; "cli" → "명령줄"; "official:2" → "직원 한지민"

Tables, one per concept: ACTION_LABELS, AREA_LABELS (the fallback), TARGET_LABELS (model label → record name),
DETAIL_KEYS (detail key → Korean), the value tables below, SYSTEM_ACTORS. tests/staff/test_audit_labels.py checks
that every action written anywhere in src has its label and every model its record name.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from jingsu.core import keys
from jingsu.core.formats import kdate, won
from jingsu.taxpayers.models import RETENTION_HOLDS

ACTION_LABELS: dict[str, str] = {
    # campaigns and notices
    "campaign.create": "캠페인 만들기",
    "campaign.build": "캠페인 대상 확정",
    "campaign.approve": "캠페인 승인",
    "campaign.send": "발송 시작",
    "campaign.schedule": "발송 예약",
    "campaign.unschedule": "발송 예약 취소",
    "campaign.pause": "발송 일시 중지",
    "campaign.resume": "발송 다시 시작",
    "campaign.cancel": "캠페인 취소",
    "campaign.complete": "캠페인 완료",
    "campaign.preview_document": "안내문 미리보기 열람",
    "experiment.arms": "문구 실험 비교군 설정",
    "experiment.register": "문구 실험 설계 기록",
    "campaign.sample_view": "안내문 견본 열람",
    "campaign.sample_pdf": "안내문 견본 PDF 열람",
    "template.create": "안내문 서식 새 판",
    # delivery
    "delivery.print_batch": "종이 우편 인쇄 묶음",
    "delivery.import_returns": "반송 우편 기록",
    "delivery.public_notice": "공시송달",
    "delivery.resend": "안내문 다시 보내기",
    "delivery.resend_request": "안내문 다시 보내기 요청",
    "delivery.resend_approve": "안내문 다시 보내기 승인",
    "delivery.resend_reject": "안내문 다시 보내기 반려",
    # taxpayers and levies
    "taxpayer.ci_lookup": "연계정보 조회",
    "taxpayer.reveal_registration_number": "등록번호 열람",
    "levy.owner_change": "부과 건 납세자 정정",
    "levy.reduce": "감액 정정",
    # money
    "payment.receive": "수납 기록",
    "payment.allocate": "수납 충당",
    "payment.unmatched": "미확인 수납",
    "payment.match_by_hand": "수기 대사",
    "payment.unmatch_by_hand": "수기 대사 취소",
    "payment.conflict": "수납 내용 불일치",
    "payment.file_import": "수납 파일 가져오기",
    "payment.upload": "수납 파일 올리기",
    "payment.upload.confirm": "수납 파일 가져오기 확정",
    "payment.upload.swept": "멈춘 수납 파일 작업 정리",
    "virtual_account.import": "가상계좌 가져오기",
    "gateway.order.create": "간편결제 주문",
    "gateway.order.redirect": "간편결제 화면 이동",
    "gateway.order.paid": "간편결제 완료",
    "gateway.order.cancel": "간편결제 주문 취소",
    "gateway.notice.reject": "간편결제 통지 거부",
    "gateway.notice.duplicate": "간편결제 통지 중복",
    # the citizen portal
    "portal.code_sent": "인증번호 발송",
    "portal.verified": "본인 확인",
    "portal.verify_failed": "본인 확인 실패",
    "portal.locked": "안내문 열람 잠김",
    "portal.view": "안내문 열람",
    "portal.link_stale": "다시 연 전자문서 링크",
    "portal.receipt": "납부확인서 내려받기",
    # what citizens ask from the notice page (jingsu.assistance) and the office's settings for it
    "jurisdiction.sender_set": "발신 부서·문의 전화 설정",
    "installment.rule_set": "분할 납부 기준 설정",
    "contract.set": "중계자 계약 설정",
    "contract.withdraw": "지자체 중계자 계약 거두기",
    "installment.request": "분할 납부 요청",
    "installment.approve": "분할 납부 승인",
    "installment.reject": "분할 납부 반려",
    "installment.cancel": "분할 납부 취소",
    "installment.complete": "분할 납부 완납",
    "installment.remind": "분할 납부 알림 문자",
    "callback.request": "상담 요청",
    "callback.done": "상담 완료",
    # roll files
    "roll.upload": "체납 자료 파일 올리기",
    "roll.upload.confirm": "체납 자료 가져오기 확정",
    "roll.upload.swept": "멈춘 체납 자료 작업 정리",
    "roll.import": "체납 자료 가져오기",
    "keys.rotate": "개인정보 암호화 키 교체",
    "backup.create": "백업 만들기",
    "backup.verify": "백업 복원 확인",
    "taxpayer.destroy": "납세자 개인정보 파기",
    "retention.run": "보유 기간 정리",
    "staff.access_review": "접속기록 월간 점검",
    # collection rewards
    "reward.official.add": "포상금 대상 직원 등록",
    "reward.civilian.add": "민간인 신고자 등록",
    "reward.action.record": "체납처분 기록",
    "reward.finding.record": "숨은 세원 발굴 기록",
    "reward.finding.confirm": "숨은 세원 징수 확인",
    "reward.case.open": "포상금 안건 만들기",
    "reward.committee.create": "공적심사위원회 만들기",
    "reward.committee.member": "위원 등록",
    "reward.committee.member.end": "위원 임기 종료",
    "reward.meeting.create": "회의 만들기",
    "reward.meeting.agenda": "안건 상정",
    "reward.meeting.attend": "회의 출석",
    "reward.meeting.vote": "표결",
    "reward.meeting.decide": "의결",
    "reward.decision.download": "심사결정서 내려받기",
    "reward.ledger.download": "포상금 대장 내려받기",
    "reward.claim.submit": "포상금 지급신청",
    "reward.claim.approve": "포상금 지급 확정",
    "reward.claim.carry": "포상금 다음 연도 이월",
    "reward.claim.download": "지급신청서 내려받기",
    "reward.budget.set": "포상금 예산 정하기",
    "reward.batch.create": "이체 묶음 만들기",
    "reward.batch.transfer-file": "이체 파일 내려받기",
    "reward.batch.paid": "포상금 지급 완료",
    "reward.clawback.open": "포상금 환수 통지",
    "reward.clawback.collect": "포상금 환수 완료",
    "reward.refund.record": "징수액 환급 기록",
    # enforcement cases (체납처분·행정제재)
    "enforcement.case.open": "체납처분 사건 열기",
    "enforcement.case.move": "체납처분 사건 단계 변경",
    "enforcement.case.request": "체납처분 단계 변경 요청",
    "enforcement.case.reject": "체납처분 단계 변경 반려",
    "enforcement.case.facts": "체납처분 사건 사실 기록",
    "enforcement.case.release_ready": "체납처분 해제 가능",
    "enforcement.case.notice": "체납처분 사전 통지·예고 안내문 준비",
    # the console and its accounts
    "staff.login": "로그인",
    "staff.login_failed": "로그인 실패",
    "staff.lockout": "로그인 잠김",
    "staff.logout": "로그아웃",
    "staff.taxpayer_search": "납세자 검색",
    "staff.taxpayer_view": "납세자 열람",
    "staff.levy_lookup": "부과 건 조회",
    "staff.effects_xlsx": "효과 보고서 내려받기",
    "staff.callback_view": "상담 요청 연락처 열람",
    "staff.notice_link_view": "안내문 포털 주소 열람",
    "staff.campaign_recipients": "캠페인 받는 사람 목록 열람",
    "staff.taxpayer_search_xlsx": "납세자 검색 결과 내려받기",
    "staff.audit_log_xlsx": "감사 기록 내려받기",
    "staff.enforcement_worklist_xlsx": "체납처분 대상 내려받기",
    "staff.roll_errors_xlsx": "체납 자료 오류 목록 내려받기",
    "staff.unmatched_xlsx": "미확인 수납 내려받기",
    "staff.refunds_xlsx": "환급 대상 내려받기",
    "staff.reconciliation_xlsx": "일일 대사 현황 내려받기",
    "staff.recipients_xlsx": "캠페인 받는 사람 내려받기",
    "staff.reward_actions_xlsx": "체납처분 기록 내려받기",
    "staff.reward_cases_xlsx": "포상금 안건 내려받기",
    "staff.reward_claims_xlsx": "포상금 지급신청 목록 내려받기",
    "staff.reward_clawbacks_xlsx": "포상금 환수 목록 내려받기",
    "staff.reward_officials_xlsx": "포상금 대상 공무원 목록 내려받기",
    "staff.reward_civilians_xlsx": "민간인 신고자 목록 내려받기",
    "staff.reward_findings_xlsx": "숨은 세원 발굴 목록 내려받기",
    "staff.campaign_list_xlsx": "캠페인 목록 내려받기",
    "staff.roll_uploads_xlsx": "올린 체납 자료 목록 내려받기",
    "staff.payment_uploads_xlsx": "올린 수납 파일 목록 내려받기",
    "staff.users_xlsx": "직원 계정 목록 내려받기",
    "staff.city_figures_xlsx": "구별 합계 내려받기",
    "staff.user_create": "계정 만들기",
    "staff.user_activate": "계정 다시 사용",
    "staff.user_deactivate": "계정 사용 중지",
    "staff.user_unlock": "로그인 잠김 풀기",
    "staff.role_request": "역할 변경 요청",
    "staff.role_approve": "역할 변경 승인",
    "staff.role_reject": "역할 변경 반려",
    "staff.password_reset_request": "비밀번호 초기화 요청",
    "staff.password_reset_approve": "비밀번호 초기화 승인",
    "staff.password_reset_reject": "비밀번호 초기화 반려",
    "staff.password_reset": "비밀번호 초기화",
    "staff.password_change": "본인 비밀번호 변경",
    "staff.setup_link_issue": "설정 링크 발급",
    "staff.password_set": "비밀번호 설정",
}

#: The first part of an action → the area it belongs to, for an action without its own label.
AREA_LABELS: dict[str, str] = {
    "campaign": "캠페인", "template": "안내문 서식", "delivery": "발송", "taxpayer": "납세자", "levy": "부과 건",
    "payment": "수납", "virtual_account": "가상계좌", "gateway": "간편결제", "portal": "안내문 열람",
    "roll": "체납 자료", "reward": "포상금", "staff": "직원 콘솔", "installment": "분할 납부", "callback": "상담 요청",
    "jurisdiction": "지자체", "enforcement": "체납처분", "contract": "중계자 계약",
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    if label:
        return label
    area = AREA_LABELS.get(action.split(".", 1)[0])
    return f"{area} 관련 작업" if area else "기타 작업"


#: A target's type (the model's `app_label.model_name`, or the few names written by hand) → the record's Korean name.
TARGET_LABELS: dict[str, str] = {
    "core.jurisdiction": "지자체", "core.holiday": "공휴일", "core.auditlog": "감사 기록", "core.auditbuffermark": "감사 기록 옮김 표시",
    "taxpayers.taxpayer": "납세자", "taxpayers.taxpayerci": "연계정보",
    "levies.levy": "부과 건", "levy": "부과 건",
    "notices.campaign": "캠페인", "notices.noticetemplate": "안내문 서식", "notices.notice": "안내문",
    "notices.noticeline": "안내문 부과 건", "notices.arm": "문구 실험 비교군", "notices.experiment": "문구 실험 설계", "notices.campaignevent": "캠페인 상태 기록", "notices.noticeevent": "안내문 상태 기록",
    "delivery.deliveryattempt": "발송 시도", "delivery.deliveryevent": "발송 기록", "delivery.receiptevent": "수신 통지",
    "delivery.receiptrejection": "거부된 수신 통지", "delivery.printbatch": "인쇄 묶음", "delivery.printitem": "인쇄물",
    "delivery.returnedmail": "반송 우편", "delivery.publicnotice": "공시송달", "delivery.resend": "다시 보내기 요청",
    "delivery.intermediarycontract": "중계자 계약",
    "payments.payment": "수납", "payments.allocation": "충당", "payments.refund": "환급",
    "payments.virtualaccount": "가상계좌", "VirtualAccount": "가상계좌 파일", "payments.paymentfile": "수납 파일",
    "payments.feedcursor": "은행 통지 읽은 위치", "payments.gatewayorder": "간편결제 주문",
    "payments.gatewayrejection": "거부된 간편결제 통지",
    "portal.noticeaccess": "안내문 열람 기록", "portal.onetimecode": "인증번호",
    "assistance.installmentrule": "분할 납부 기준", "assistance.installmentplan": "분할 납부",
    "assistance.installment": "분할 납부 회차", "assistance.callbackrequest": "상담 요청",
    "rewards.official": "포상금 대상 직원", "rewards.civilian": "민간인 신고자", "rewards.enforcementaction": "체납처분",
    "rewards.hiddenrevenuefinding": "숨은 세원 발굴", "rewards.committee": "공적심사위원회",
    "rewards.committeemember": "위원", "rewards.meeting": "회의", "rewards.rewardcase": "포상금 안건",
    "rewards.caseclaimant": "안건 공적자", "rewards.attendance": "출석", "rewards.vote": "표결",
    "rewards.decision": "심사결정", "rewards.decisionitem": "심사결정 안건", "rewards.award": "포상금 지급액",
    "rewards.rewardbudget": "포상금 예산", "rewards.transferbatch": "이체 묶음", "rewards.claim": "포상금 지급신청",
    "rewards.collectionrefund": "징수액 환급", "rewards.clawback": "환수",
    "staff.staffprofile": "직원 계정", "staff.accountsetuptoken": "계정 설정 링크", "staff.accountrequest": "계정 요청",
    "staff.accountnotice": "계정 알림", "staff.rollupload": "체납 자료 파일",
    "staff.paymentupload": "수납 파일", "roll": "체납 자료 파일",
    "auth.user": "직원 계정",
    "enforcement.enforcementcase": "체납처분 사건", "enforcement.caseevent": "체납처분 사건 단계 기록",
    "enforcement.moverequest": "체납처분 단계 변경 요청",
}


def target_label(target_type: str, target_id: str) -> str:
    """ "포상금 지급신청 4번"; a target named by its own number or file ("부과 건 11260-14-2022-0000003") keeps it."""
    if not target_type and not target_id:
        return ""
    name = TARGET_LABELS.get(target_type, "기록")
    if not target_id:
        return name
    return f"{name} {target_id}번" if target_id.isdigit() else f"{name} {target_id}"


# --- details ---------------------------------------------------------------------------------------------------------

#: A detail's key → Korean. Keys not here are shown as "그 밖의 항목" (never the key).
DETAIL_KEYS: dict[str, str] = {
    "page": "쪽", "reversed": "되돌린 금액", "arms": "비교군", "stratify": "층화 기준", "style": "문구 유형",
    "outcome": "주요 결과 지표", "window_days": "관찰 기간(일)", "min_effect": "최소 효과 크기", "baseline": "기준값 예상", "spread": "징수액 표준편차 예상", "confidence": "신뢰수준",
    "accepted": "접수", "accounts": "가상계좌 수", "after": "정정 후", "already_from_bank_feed": "이미 은행 수납으로 기록",
    "already_sent": "이미 발송", "amount": "금액", "approved": "가결 안건", "as_of": "기준일", "asked": "조회 요청",
    "at": "일시", "attempts": "발송 시도", "attempts_removed": "지운 실패 기록", "before": "정정 전", "budget_year": "지급 연도",
    "by": "기준", "by_channel": "채널별", "campaign": "캠페인", "category": "구분", "changes": "바뀐 행", "channel": "수단",
    "channels": "발송 채널", "city_area_tax": "도시지역분", "claim": "지급신청", "claimed_at": "작업 시작",
    "claims": "지급신청", "collected": "징수액", "control": "대조군", "control_share": "대조군 비율", "count": "건수",
    "decision": "심사결정", "dry_run": "미리 보기", "duplicates": "중복", "education_tax": "지방교육세",
    "effective_on": "효력 발생일", "encoding": "인코딩", "enforcement": "체납처분비", "expires_at": "만료 일시",
    "failures": "실패 횟수", "feed": "은행 통지 금액", "file": "파일", "filters": "대상 조건", "format": "형식",
    "from": "이전", "held_on": "회의일", "in_favour": "찬성", "include_statuses": "포함할 상태", "ip": "접속 주소",
    "items": "건수", "jurisdiction": "지자체", "kind": "종류", "levies": "부과 건", "levies_created": "새 부과 건",
    "levies_unchanged": "그대로인 부과 건", "levies_updated": "바뀐 부과 건", "levy": "부과 건", "levy_fields": "바뀐 부과 건 항목",
    "limit_seconds": "제한 시간(초)", "lines": "부과 건 수", "locked": "잠김", "mail_class": "우편 종류", "masked": "개인정보 가림",
    "matched": "찾은 건수", "measure_on": "조치 예정일", "matched_by": "대사 기준", "max_age": "체납 연차 상한", "max_amount": "체납액 상한",
    "meeting": "회의", "member": "위원", "method": "방법", "min_age": "체납 연차 하한", "min_amount": "체납액 하한",
    "new": "새로 기록", "notice": "안내문", "notices": "안내문", "office_name": "발신 부서", "office_phone": "문의 전화",
    "office_team": "담당 팀", "order_id": "주문 번호", "owner_change_reason": "납세자 정정 사유",
    "owner_changes": "납세자 정정", "owner_changes_total": "납세자 정정 건수", "paid": "수납액", "paid_on": "지급일",
    "payment": "수납", "penalty": "가산세", "present": "출석", "previous_term_end": "이전 임기 종료일",
    "principal": "본세", "published_on": "게시일", "purpose": "용도", "queued": "대기", "reason": "사유",
    "recorded": "기록된 금액", "records": "건수", "refund": "환급", "rejected": "거부", "remaining": "남은 예산",
    "report": "보고서", "request_id": "요청 번호", "requested_by": "요청한 사람", "role": "역할", "roll": "재적",
    "row": "행", "rows": "행 수", "skipped": "체납액이 없어 뺀 납세자", "seq": "통지 순번", "sequence": "발송 차수", "size": "크기", "source": "수납 경로", "status": "상태",
    "taken_on": "처분일", "targets": "지정 대상 납세자 수", "tax": "본세 등", "tax_items": "세목", "taxpayer_fields": "바뀐 납세자 항목",
    "taxpayers": "납세자", "taxpayers_created": "새 납세자", "taxpayers_unchanged": "그대로인 납세자",
    "taxpayers_updated": "바뀐 납세자", "template": "서식", "term_end": "임기 종료일", "tid": "결제 거래 번호",
    "to": "이후", "token_id": "설정 링크 번호", "total": "합계", "total_amount": "합계 금액", "total_arrears": "체납액 합계",
    "total_penalty": "가산금·가산세 합계", "total_tax": "세액 합계", "type": "구분", "unchanged": "변경 없음",
    "unmatched": "미확인", "until": "잠김 끝", "username": "아이디", "version": "판", "via": "경로",
    "was": "이전 상태", "year": "연도",
    "measure": "처분", "on": "단계 일자", "request": "단계 변경 요청", "reward_actions": "포상금 체납처분 기록",
    "reasons": "해제 사유", "changed": "바뀐 사실",
    "provider": "중계자", "replaced": "바뀌기 전 계약", "contract_uuid": "카카오 계약 식별자",
    "client_id": "KT 클라이언트 아이디", "service_cd": "KT 서비스 코드", "msg_cd": "KT 문서코드",
    "client_secret_changed": "KT 클라이언트 비밀값 바꿈", "service_key_changed": "KT 서비스 키 바꿈",
    "columns": "암호화 항목", "values": "값 수", "rotated": "새 키로 다시 암호화", "old_key": "이전 키로 남은 값",
    **keys.COLUMN_LABELS,
    "ok": "이상 없음", "month": "점검한 달", "staff_accounts": "직원 계정 수", "unusual": "평소보다 많은 열람", "late_reveals": "근무시간 외 등록번호 열람",
    "downloads": "내려받기", "last_event": "마지막 사건일", "basis": "근거", "destroyed": "파기", "kept": "보유",
    **RETENTION_HOLDS,
}
#: Keys not shown: the stored file's random server name (the upload's record has it).
#: and an enforcement case's evaluation snapshot (the law's answer in codes; the case's history shows it in words).
HIDDEN_KEYS = frozenset({"stored", "evaluation"})
#: Keys whose whole numbers are amounts (won); under AMOUNT_PARENTS every number is.
AMOUNT_KEYS = frozenset({
    "amount", "remaining", "total", "collected", "tax", "penalty", "enforcement", "recorded", "feed", "paid",
    "total_tax", "total_penalty", "total_arrears", "total_amount", "principal", "education_tax", "city_area_tax",
    "min_amount", "max_amount", "reversed",
})
AMOUNT_PARENTS = frozenset({"before", "after", "refund"})
YEAR_KEYS = frozenset({"year", "budget_year", "tax_year"})
#: Keys whose numbers are record numbers ("3번").
NUMBER_KEYS = frozenset({"levy", "levies", "meeting", "member", "claim", "decision", "payment", "campaign",
                         "request_id", "token_id", "seq", "notice", "skipped", "request", "reward_actions",
                         "replaced"})

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_CASE = re.compile(r"^case-(\d+)$")
_PAYEE = re.compile(r"^(official|civilian):(\d+)$")


@functools.cache
def _value_tables() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """(per key: code → label, and every code → label) from the models' own choices and label tables; built once
    per process (the audit log's XLSX reads thousands of rows: rebuilding them per row was 60 % of its time)."""
    from jingsu.assistance.models import CallbackRequest
    from jingsu.delivery.models import AttemptStatus, Channel
    from jingsu.enforcement.models import EnforcementCase
    from jingsu.notices.models import Campaign, MailClass, Notice
    from jingsu.payments import models as pay
    from jingsu.rewards import models as rw
    from jingsu.staff.models import AccountSetupToken, RollUpload
    from jingsu.staff.queries import BY_LABELS
    from jingsu.staff.roles import ALL_ROLES

    def choices(*enums: Any) -> dict[str, str]:
        return {str(v): str(label) for e in enums for v, label in e.choices}

    roles = {r.code: r.name for r in ALL_ROLES}
    per_key = {
        "role": {**roles, **choices(rw.CommitteeMember.Role)},
        "from": roles, "to": roles,
        "type": choices(rw.RewardCase.MeritType),
        "category": choices(rw.HiddenRevenueFinding.Category),
        "matched_by": pay.MATCHED_BY_LABELS,
        "source": pay.SOURCE_LABELS,
        "by": {**BY_LABELS, "setup_link": "설정 링크"},
        "purpose": choices(AccountSetupToken.Purpose),
        "mail_class": choices(MailClass),
        "format": {"pdf": "PDF", "xlsx": "XLSX", "csv": "CSV", "fixed": "고정 길이"},
        "encoding": {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "cp949": "CP949", "euc-kr": "CP949", "xlsx": "XLSX"},
        "was": {**choices(RollUpload.Status), **choices(Campaign.Status)},
        "method": {**choices(Channel), "sms-code": "문자 인증번호"},
        "reason": {"used": "이미 연 링크", "expired": "인증 시간이 지난 링크", **choices(CallbackRequest.Reason)},
        "status": {**choices(pay.GatewayOrder.Status), "paid": "결제 완료", "cancelled": "결제 취소"},
        "measure": choices(EnforcementCase.Measure),
    }
    every = {
        **choices(EnforcementCase.Status),
        **choices(Campaign.Kind, Campaign.Status, Notice.Status, AttemptStatus, Channel, MailClass,
                  rw.RewardCase.MeritType, rw.RewardCase.Status, rw.HiddenRevenueFinding.Category,
                  rw.CommitteeMember.Kind, rw.Clawback.Kind),
        **rw.METHOD_LABELS, **pay.CHANNEL_LABELS, **roles,
    }
    return per_key, every


def _kind_table(action: str) -> dict[str, str]:
    from jingsu.notices.models import Campaign
    from jingsu.rewards import models as rw

    if action.startswith(("campaign.", "template.")):
        return {str(v): str(label) for v, label in Campaign.Kind.choices}
    if action.startswith("reward.action"):
        return {str(v): str(label) for v, label in rw.EnforcementAction.Kind.choices}
    if action.startswith("reward.clawback"):
        return {str(v): str(label) for v, label in rw.Clawback.Kind.choices}
    if action.startswith("reward.committee"):
        return {str(v): str(label) for v, label in rw.CommitteeMember.Kind.choices}
    return {}


def _channel_table(action: str) -> dict[str, str]:
    from jingsu.delivery.models import Channel
    from jingsu.payments.models import CHANNEL_LABELS

    if action.startswith(("payment.", "gateway.")):
        return CHANNEL_LABELS
    return {str(v): str(label) for v, label in Channel.choices}


class _Renderer:
    def __init__(self, action: str) -> None:
        self.action = action
        per_key, self.every = _value_tables()
        self.per_key = dict(per_key)  # the kind and channel tables below depend on the action
        self.per_key["kind"] = _kind_table(action)
        self.per_key["channel"] = self.per_key["channels"] = self.per_key["by_channel"] = _channel_table(action)

    def key(self, key: str) -> str:
        return DETAIL_KEYS.get(key) or self.code(key, "") or "그 밖의 항목"

    def code(self, value: str, key: str) -> str:
        """A code's label by the key's table, then by every table; "" if none knows it."""
        return self.per_key.get(key, {}).get(value) or self.every.get(value) or ""

    def value(self, key: str, value: Any, *, amounts: bool = False) -> str:
        if value is None or value == "":
            return "없음"
        if isinstance(value, bool):
            return "예" if value else "아니요"
        if isinstance(value, int):
            if key in YEAR_KEYS:
                return str(value)
            if amounts or key in AMOUNT_KEYS:
                return won(value)
            if key in NUMBER_KEYS:
                return f"{value}번"
            if key == "row":
                return f"{value}행"
            if key == "sequence":
                return f"{value}차"
            if key == "control_share":
                return f"{value}%"
            return f"{value:,}"
        if isinstance(value, float):
            return f"{value:,}"
        if isinstance(value, list | tuple):
            return ", ".join(self.value(key, v, amounts=amounts) for v in value) or "없음"
        if isinstance(value, dict):
            inner = amounts or key in AMOUNT_PARENTS
            parts = [f"{self.key(str(k))} {self.value(str(k), v, amounts=inner)}" for k, v in value.items()]
            return "(" + ", ".join(parts) + ")" if parts else "없음"
        text = str(value)
        label = self.code(text, key)
        if label:
            return label
        if _ISO_DATE.match(text):
            return kdate(date.fromisoformat(text))
        if _ISO_DATETIME.match(text):
            try:
                return _kdatetime(datetime.fromisoformat(text))
            except ValueError:
                return text
        if m := _CASE.match(text):
            from jingsu.rewards.models import case_number

            return case_number(m.group(1))
        if _PAYEE.match(text):
            return actor_label(text)
        return text


def _kdatetime(value: datetime) -> str:
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{kdate(local)} {local:%H:%M}"


def detail_items(action: str, detail: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The detail as (Korean key, value as people write it) pairs: amounts 1,234원, dates 2026. 11. 23., codes by
    their Korean names, record numbers "3번", years as 2026."""
    if not detail:
        return []
    r = _Renderer(action)
    return [(r.key(k), r.value(k, v)) for k, v in detail.items() if k not in HIDDEN_KEYS]


# --- who acted -------------------------------------------------------------------------------------------------------

#: `system:<name>` → what acted (the process or service that wrote the row).
SYSTEM_ACTORS: dict[str, str] = {
    "bank-feed": "은행 수납 읽기", "delivery": "발송", "dispatch": "발송 주기", "portal": "안내문 열람 화면",
    "reconcile": "수납 대사", "serve": "콘솔 시작", "sweeper": "멈춘 작업 정리", "staff": "직원 계정 준비",
    "import-roll": "체납 자료 가져오기", "migration": "설치(데이터베이스 준비)", "gateway": "간편결제",
}
#: `cli:<command>` → the command's name in Korean; any other `cli:<name>` is the operator's own account name.
CLI_COMMANDS: dict[str, str] = {
    "import-roll": "체납 자료 가져오기", "import-returns": "반송 우편 기록", "import-payments": "수납 파일 가져오기",
}


def actor_label(actor: str, names: dict[str, str] | None = None) -> str:
    """Who acted, in Korean: "명령줄", "명령줄(체납 자료 가져오기)", "시스템(수납 대사)", "납세자(접속 주소 …)",
    "직원 한지민" for a reward payee key; a username stays (아이디, typed by people), with the person's name when
    `names` (username → 이름) has it: "홍길동(clerk-11260)"."""
    a = (actor or "").strip()
    if not a:
        return "알 수 없음"
    if a == "cli":
        return "명령줄"
    if a.startswith("cli:"):
        rest = a[4:]
        return f"명령줄({CLI_COMMANDS.get(rest, rest)})"
    if a == "system":
        return "시스템"
    if a.startswith("system:"):
        what = SYSTEM_ACTORS.get(a[7:])
        return f"시스템({what})" if what else "시스템"
    if a.startswith("citizen@"):
        return f"납세자(접속 주소 {a[8:]})"
    if m := _PAYEE.match(a):
        from jingsu.rewards.models import Civilian, Official

        model, prefix = (Official, "직원") if m.group(1) == "official" else (Civilian, "민간인 신고자")
        person = model.objects.filter(pk=int(m.group(2))).only("name").first()
        return f"{prefix} {person.name}" if person else f"{prefix} {m.group(2)}번"
    if a.endswith(" (예약 발송)"):
        return f"{actor_label(a[: -len(' (예약 발송)')], names)} (예약 발송)"
    name = (names or {}).get(a)
    return f"{name}({a})" if name else a


def staff_names(usernames: set[str]) -> dict[str, str]:
    """username → the person's name (StaffProfile.display_name, else the user's full name) for these usernames."""
    from django.contrib.auth import get_user_model

    from jingsu.staff.models import StaffProfile

    found = {p.user.get_username(): p.display_name for p in StaffProfile.objects.select_related("user")
             .filter(user__username__in=usernames) if p.display_name}
    for u in get_user_model().objects.filter(username__in=set(usernames) - set(found)):
        if u.get_full_name():
            found[u.get_username()] = u.get_full_name()
    return found
