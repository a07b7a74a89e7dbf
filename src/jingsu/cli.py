"""The `jingsu` command.

`jingsu calc …` and `jingsu simulator …` run without Django (the law package and the simulated outside world stand
alone). `jingsu worker` starts a Celery worker. Everything else is a Django management command, with hyphens in the
name (`jingsu import-roll`) mapped to the command module (`import_roll`).
"""

from __future__ import annotations

import os
import sys

USAGE = """사용법: jingsu <명령> [옵션]

  demo            생성 → 가져오기 → 캠페인 → 발송(시뮬레이터) → 수납 → 보고서, 한 번에
  generate-roll   가상 체납 자료 파일 만들기
  import-roll     체납 자료 파일 가져오기 (검증 후 전부 또는 전무)
  calc            법령 계산기 (JSON 입력 → JSON 출력)
  rewards         세입징수 포상금: 처분 기록, 대장, 공적심사, 지급신청, 이체, 환수
  campaign        안내 캠페인 만들기·대상 확정·승인·발송·진행 상황
  dispatch        발송 주기 (발송 → 상태 조회 → 다음 채널 → 종이 → 수납)
  import-payments 은행·수납 파일 가져오기 (CSV·고정길이, CP949)
  import-accounts 가상계좌 풀 가져오기
  payments        미확인 수납 목록·수기 대사·환급 대상
  report          발송 효과 보고서 (HTML·XLSX·JSON), 실험 보고서
  enforcement     체납처분 대상 (worklist: 처분별 대상자, 표·JSON·XLSX)
  office          발신 부서·팀·문의 전화, 분할 납부 기준 (자치단체별)
  serve           직원 콘솔과 납세자 열람 포털 (데모 사용자 생성)
  simulator       외부 기관 시뮬레이터 HTTP 서버
  worker          백그라운드 작업자 (Celery; CELERY_BROKER_URL 필요; -Q delivery 처럼 대기열 지정)
  beat            정기 작업 시계 (배포 전체에 하나만: 둘째는 시작하지 않음)
  check-deploy    운영 설정 검사 (개발용 비밀값·디버그·HTTPS·암호화 키)
  create-admin    새 자치단체의 시스템관리자 계정 (한 번 쓰는 비밀번호 설정 주소)
  keys            개인정보 암호화 키: 상태, 새 키로 다시 암호화
  backup          데이터베이스 백업 만들기·복원 확인
  retention       보유 기간이 끝난 개인정보 파기 (먼저 --dry-run)
  access-review   접속기록 월간 점검 (개인정보 보호책임자용 XLSX)
  migrate         데이터베이스 준비
  (그 밖의 Django 관리 명령도 사용할 수 있습니다)
"""


def main(argv: list[str] | None = None) -> int:
    # Files at rest: whatever this process (and the gunicorn, worker or reader it starts) creates is private (0700
    # directories, 0600 files): the SQLite database, print PDFs, manifests, uploads, reports (docs/security.md).
    os.umask(0o077)
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    command, rest = args[0], args[1:]
    if command == "calc":
        from jingsu.law.calc import main as calc_main

        return calc_main(rest, sys.stdin, sys.stdout)
    if command == "simulator":
        from jingsu.simulator.__main__ import main as simulator_main

        return simulator_main(rest) or 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingsu.settings")
    if command == "worker":
        import django

        django.setup()
        from jingsu.celery_app import app

        if not app.conf.broker_url or app.conf.task_always_eager:
            print("CELERY_BROKER_URL이 설정되지 않았습니다. 작업은 요청한 프로세스 안에서 바로 실행됩니다.", file=sys.stderr)
            return 2
        if not any(a == "-Q" or a.startswith(("-Q", "--queues")) for a in rest):
            from django.conf import settings

            rest = ["-Q", ",".join(settings.CELERY_QUEUES_ALL), *rest]
        app.worker_main(["worker", "--loglevel=INFO", *rest])
        return 0
    if command == "beat":
        import django

        django.setup()
        from jingsu.celery_app import app
        from jingsu.ops.beat import run_beat

        return run_beat(app, rest)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jingsu", command.replace("-", "_"), *rest])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
