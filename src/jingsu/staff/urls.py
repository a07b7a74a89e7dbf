"""URLs of the staff console (mounted at /staff/). Every view here must carry a permission
(jingsu.staff.access.staff_view) or be marked public; tests/staff/test_url_walker.py checks all of them.

Path parameters are named after the object they point to (`taxpayer_id`, …) so the walker can fill them."""

from django.urls import path

from jingsu.staff import (
    assistance_views,
    city_views,
    payment_upload_views,
    rewards_setup_views,
    user_views,
    views,
)
from jingsu.staff import campaign_views as cv
from jingsu.staff import case_views as enf
from jingsu.staff import export_views as xv
from jingsu.staff import money_views as mv
from jingsu.staff import notice_views as nv
from jingsu.staff import rewards_views as rv
from jingsu.staff import roll_views as rolv
from jingsu.staff import worklist_views as wlv

app_name = "staff"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("", views.home, name="home"),
    path("taxpayers/", views.taxpayer_search, name="taxpayer_search"),
    path("taxpayers/<int:taxpayer_id>/", views.taxpayer_detail, name="taxpayer_detail"),
    path("taxpayers/<int:taxpayer_id>/reveal/", views.taxpayer_reveal, name="taxpayer_reveal"),
    path("audit/", views.audit_log, name="audit_log"),
    # 체납 자료 가져오기 (import_roll): docs/staff-console.md "Roll upload"
    path("rolls/", rolv.upload, name="roll_upload"),
    path("rolls/template.xlsx", rolv.template, name="roll_template"),
    path("rolls/<int:upload_id>/", rolv.detail, name="roll_detail"),
    path("rolls/<int:upload_id>/confirm/", rolv.confirm, name="roll_confirm"),
    path("rolls/<int:upload_id>/status.json", rolv.status, name="roll_status"),
    # 안내 캠페인: docs/staff-console.md "Campaign screens"
    path("campaigns/", cv.campaign_list, name="campaign_list"),
    path("campaigns/new/", cv.campaign_new, name="campaign_new"),
    path("campaigns/preview.json", cv.campaign_preview, name="campaign_preview"),
    path("campaigns/preview-document/", cv.campaign_preview_document, name="campaign_preview_document"),
    path("campaigns/<int:campaign_id>/", cv.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:campaign_id>/experiment/", cv.campaign_experiment, name="campaign_experiment"),
    path("campaigns/<int:campaign_id>/approve/", cv.campaign_approve, name="campaign_approve"),
    path("campaigns/<int:campaign_id>/send/", cv.campaign_send, name="campaign_send"),
    path("campaigns/<int:campaign_id>/schedule/", cv.campaign_schedule, name="campaign_schedule"),
    path("campaigns/<int:campaign_id>/unschedule/", cv.campaign_unschedule, name="campaign_unschedule"),
    path("campaigns/<int:campaign_id>/pause/", cv.campaign_pause, name="campaign_pause"),
    path("campaigns/<int:campaign_id>/resume/", cv.campaign_resume, name="campaign_resume"),
    path("campaigns/<int:campaign_id>/cancel/", cv.campaign_cancel, name="campaign_cancel"),
    path("campaigns/<int:campaign_id>/sample/", cv.campaign_sample, name="campaign_sample"),
    path("campaigns/<int:campaign_id>/sample.pdf", cv.campaign_sample_pdf, name="campaign_sample_pdf"),
    path("campaigns/<int:campaign_id>/status.json", cv.campaign_status_json, name="campaign_status"),
    # 수납 (manage_payments) and 효과 보고서 (view_reports): docs/staff-console.md "Money and effect screens"
    path("money/unmatched/", mv.unmatched, name="money_unmatched"),
    path("money/payments/<int:payment_id>/", mv.payment_match, name="money_payment"),
    path("money/payments/<int:payment_id>/unmatch/", mv.payment_unmatch, name="money_payment_unmatch"),
    path("money/refunds/", mv.refunds, name="money_refunds"),
    path("money/levies/<int:levy_id>/reduce/", mv.levy_reduce, name="money_levy_reduce"),
    path("money/reconciliation/", mv.reconciliation, name="money_reconciliation"),
    path("effects/", mv.effects_home, name="effects_home"),
    path("effects/period/", mv.effects_period, name="effects_period"),
    path("effects/period.xlsx", mv.effects_period_xlsx, name="effects_period_xlsx"),
    path("effects/campaigns/<int:campaign_id>/", mv.effects_campaign, name="effects_campaign"),
    path("effects/campaigns/<int:campaign_id>/effects.xlsx", mv.effects_campaign_xlsx, name="effects_campaign_xlsx"),
    path("effects/campaigns/<int:campaign_id>/experiment/", mv.effects_experiment, name="effects_experiment"),
    # 세입징수 포상금 (docs/staff-console.md "Rewards screens"): screens need view_rewards, changes their own permission
    # 체납처분 대상 (view_enforcement_worklist): staff/worklist_views.py, docs/enforcement.md
    path("enforcement/", wlv.worklist_view, name="enforcement_worklist"),
    path("enforcement/worklist.xlsx", wlv.worklist_xlsx, name="enforcement_worklist_xlsx"),
    path("rewards/", rv.home, name="rewards_home"),
    path("rewards/ledgers/", rv.ledgers, name="rewards_ledgers"),
    path("rewards/ledgers/ledger.xlsx", rv.ledger_xlsx, name="rewards_ledger_xlsx"),
    path("rewards/ledgers/ledger.pdf", rv.ledger_pdf, name="rewards_ledger_pdf"),
    path("rewards/actions/", rv.actions, name="rewards_actions"),
    path("rewards/actions/record/", rv.action_record, name="rewards_action_record"),
    path("rewards/cases/", rv.cases, name="rewards_cases"),
    path("rewards/cases/open/", rv.cases_open, name="rewards_cases_open"),
    path("rewards/committee/", rv.committee, name="rewards_committee"),
    path("rewards/meetings/new/", rv.meeting_create, name="rewards_meeting_create"),
    path("rewards/meetings/<int:meeting_id>/", rv.meeting_detail, name="rewards_meeting"),
    path("rewards/meetings/<int:meeting_id>/agenda/", rv.meeting_agenda, name="rewards_meeting_agenda"),
    path("rewards/meetings/<int:meeting_id>/attendance/", rv.meeting_attendance, name="rewards_meeting_attendance"),
    path("rewards/meetings/<int:meeting_id>/votes/", rv.meeting_votes, name="rewards_meeting_votes"),
    path("rewards/meetings/<int:meeting_id>/decide/", rv.meeting_decide, name="rewards_meeting_decide"),
    path("rewards/meetings/<int:meeting_id>/decision.pdf", rv.decision_pdf, name="rewards_decision_pdf"),
    path("rewards/claims/", rv.claims, name="rewards_claims"),
    path("rewards/claims/submit/", rv.claim_submit, name="rewards_claim_submit"),
    path("rewards/claims/<int:claim_id>/claim.pdf", rv.claim_pdf, name="rewards_claim_pdf"),
    path("rewards/claims/<int:claim_id>/claim.xlsx", rv.claim_xlsx, name="rewards_claim_xlsx"),
    path("rewards/claims/<int:claim_id>/schedule/", rv.claim_schedule, name="rewards_claim_schedule"),
    path("rewards/budget/", rv.budget, name="rewards_budget"),
    path("rewards/batches/new/", rv.batch_create, name="rewards_batch_create"),
    path("rewards/batches/<int:batch_id>/transfer.csv", rv.transfer_file, name="rewards_transfer_file"),
    path("rewards/batches/<int:batch_id>/paid/", rv.batch_paid, name="rewards_batch_paid"),
    path("rewards/clawbacks/", rv.clawbacks, name="rewards_clawbacks"),
    path("rewards/clawbacks/open/", rv.clawback_open, name="rewards_clawback_open"),
    path("rewards/clawbacks/detect/", rv.clawback_detect, name="rewards_clawback_detect"),
]
# 직원 계정 (manage_users): staff/user_views.py
urlpatterns += user_views.urlpatterns
# 포상금 인적 사항 (officials, civilians, committees, members): staff/rewards_setup_views.py
urlpatterns += rewards_setup_views.urlpatterns
# 분할 납부 and 상담 요청 from the citizen portal (manage_payments): staff/assistance_views.py
urlpatterns += assistance_views.urlpatterns
# 수납 파일 가져오기 (manage_payments): staff/payment_upload_views.py
urlpatterns += payment_upload_views.urlpatterns
# 전화 상담 (issue #14 "The official"): a notice's portal address, resends, a campaign's recipients
urlpatterns += nv.urlpatterns
# XLSX downloads of the lists (issue #14): staff/export_views.py, rules in staff/downloads.py
urlpatterns += xv.urlpatterns
# 체납처분 사건 (issue #16): cases by measure and stage, one case, opening, the approval queue (staff/case_views.py)
urlpatterns += enf.urlpatterns
# 구별 합계 for a 시 serving its 자치구: staff/city_views.py
urlpatterns += city_views.urlpatterns
