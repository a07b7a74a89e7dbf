"""Past-year arrears cases opened before the titles were written in Korean ended in the collection method's code
("… 871,590원 (seizure)"); this rewrites those endings as the method's Korean name ("… (압류)"), and "2022 4년차" as
"2022년도 4년차". Only the 요지 text changes: decisions keep their calculator input and output as they were."""

import re

from django.db import migrations

OLD = re.compile(r"^(?P<head>.+ )(?P<year>\d{4}) (?P<age>\d+년차 [\d,]+원) \((?P<method>[a-z-]+)\)$")


# rewards.models.METHOD_LABELS as it was when this migration was written (a migration keeps its own copy)
LABELS = {
    "seizure": "압류", "plate-impound": "자동차등록번호판 영치", "license-restriction": "관허사업 제한",
    "prosecution": "고발", "hidden-asset-report": "은닉재산 신고", "distribution-objection": "배당이의",
    "deferral": "징수유예", "regular-notice-paid-by-deadline": "정기 체납고지 후 납부기한 내 납부(지급 제외)",
    "auction-distribution": "타 권리자 경·공매 배당 수령(지급 제외)",
    "auction-distribution-with-objection": "배당이의에 의한 배당 수령",
    "deferred-carryover": "징수유예로 이월된 체납액(지급 제외)", "other-special": "그 밖의 상응하는 사유",
}


def rewrite(apps, schema_editor):
    RewardCase = apps.get_model("rewards", "RewardCase")
    for case in RewardCase.objects.filter(merit_type="arrears").only("pk", "title"):
        m = OLD.match(case.title)
        if m:
            title = f"{m['head']}{m['year']}년도 {m['age']} ({LABELS.get(m['method'], '그 밖의 징수')})"
            RewardCase.objects.filter(pk=case.pk).update(title=title[:200])


class Migration(migrations.Migration):
    dependencies = [("rewards", "0001_initial")]
    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
