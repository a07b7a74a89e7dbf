"""Roll uploads that must not hang or outlive their worker (issue 20 §4–5): the web request only stores and enqueues;
validation runs in a child under time and memory limits; a hostile XLSX is the normal file error; the importer's
reader dies with its parent and never holds the parent's database session; a sweeper fails stuck steps and deletes
their files; an import's PostgreSQL session has an idle-in-transaction timeout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from _staff_helpers import HOME, SMALL
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from jingsu.core import childproc
from jingsu.core.models import AuditLog
from jingsu.levies.models import Levy
from jingsu.staff import roll_uploads
from jingsu.staff.models import RollUpload

S = RollUpload.Status
BACKEND = "django.contrib.auth.backends.ModelBackend"
URL = "/staff/rolls/"
HEADER, GOOD_ROW, *_ = SMALL.read_text(encoding="utf-8").splitlines()
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(autouse=True)
def _steps(clock, tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    yield


def good_csv(serial: str = "7") -> bytes:
    return SMALL.read_text(encoding="utf-8").replace("-000000", f"-{serial}00000").encode("utf-8")


def many_rows_csv(rows: int) -> bytes:
    """A valid-looking roll of `rows` rows (distinct 과세번호), enough to keep a validation busy for a while."""
    body = [GOOD_ROW.replace("-0000001", f"-{9_000_000 + i:07d}") for i in range(rows)]
    return ("\n".join([HEADER, *body]) + "\n").encode("utf-8")


def post_upload(client, world, content: bytes, name: str = "roll.csv"):
    client.force_login(world.users["clerk"], backend=BACKEND)
    return client.post(URL, {"file": SimpleUploadedFile(name, content)})


def latest() -> RollUpload:
    return RollUpload.objects.latest("id")


# --- the web request never validates or imports ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_request_only_stores_and_enqueues_the_dispatch_cycle_does_the_work(world, client):
    levies = Levy.objects.count()
    r = post_upload(client, world, good_csv())
    up = latest()
    assert r.status_code == 302
    assert (up.status, up.claimed_at, up.rows_checked) == (S.UPLOADED, None, 0)  # not validated in the request
    assert roll_uploads.stored_path(up).exists()
    assert roll_uploads.run_pending() == 1  # what the dispatch cycle does without a broker
    up.refresh_from_db()
    assert up.status == S.VALIDATED and up.claimed_at is not None

    client.post(f"/staff/rolls/{up.pk}/confirm/")
    up.refresh_from_db()
    assert (up.status, up.claimed_at) == (S.IMPORTING, None)  # confirmed, waiting for a worker
    assert Levy.objects.count() == levies  # nothing imported in the request
    assert roll_uploads.run_pending() == 1
    assert latest().status == S.DONE and Levy.objects.count() == levies + 5
    assert roll_uploads.run_pending() == 0


@pytest.mark.django_db
def test_a_claimed_import_is_not_run_twice(world, client):
    post_upload(client, world, good_csv())
    roll_uploads.run_pending()
    up = latest()
    assert roll_uploads.start_import(up, actor="tester")
    RollUpload.objects.filter(pk=up.pk).update(claimed_at=up.created_at)  # another worker has it
    assert roll_uploads.run_import(up.pk) == S.IMPORTING
    assert roll_uploads.run_pending() == 0


# --- validation in a child with limits ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_validation_over_its_time_limit_fails_in_korean_and_does_not_stay_validating(world, client, settings):
    settings.JINGSU_ROLL_VALIDATE_SECONDS = 0.3
    post_upload(client, world, many_rows_csv(60_000))
    up = latest()
    started = time.monotonic()
    assert roll_uploads.validate_upload(up.pk) == S.FAILED
    assert time.monotonic() - started < 10
    up.refresh_from_db()
    assert up.status == S.FAILED
    assert "검증 시간이 0.3초를 넘어 중단했습니다" in up.failure
    assert "다시 올려 주세요" in up.failure
    assert not roll_uploads.stored_path(up).exists()  # full registration numbers are not kept


def _spin(send):
    while True:
        pass


def _allocate(send):
    hoard = []
    for _ in range(64):
        hoard.append(bytearray(64 << 20))
    return len(hoard)


def _report(send, n):
    for i in range(n):
        send(i)
    return "done"


def _from_the_database(send):
    from jingsu.core.models import Jurisdiction

    return Jurisdiction.objects.filter(code=HOME).count()


def test_the_child_reports_progress_and_returns():
    seen = []
    limits = childproc.Limits(wall_seconds=30, cpu_seconds=30, memory_mb=256)
    assert childproc.run_limited(_report, 3, limits=limits, what="검증", on_progress=seen.append) == "done"
    assert seen == [0, 1, 2]


def test_cpu_and_memory_limits_stop_the_child_with_a_korean_reason():
    with pytest.raises(childproc.ChildFailed) as cpu:
        childproc.run_limited(_spin, limits=childproc.Limits(wall_seconds=30, cpu_seconds=1, memory_mb=256),
                              what="검증")
    assert cpu.value.kind == "cpu" and "처리 시간이 한도(1초)를 넘어" in cpu.value.reason
    with pytest.raises(childproc.ChildFailed) as memory:
        childproc.run_limited(_allocate, limits=childproc.Limits(wall_seconds=30, cpu_seconds=30, memory_mb=256),
                              what="검증")
    assert memory.value.kind == "memory" and "메모리가 한도(256MB)를 넘어" in memory.value.reason
    with pytest.raises(childproc.ChildFailed) as wall:
        childproc.run_limited(_spin, limits=childproc.Limits(wall_seconds=0.5, cpu_seconds=30, memory_mb=256),
                              what="검증")
    assert wall.value.kind == "timeout"


@pytest.mark.django_db
def test_the_child_opens_its_own_database_connection_and_the_parents_still_works():
    connection.ensure_connection()
    limits = childproc.Limits(wall_seconds=60, cpu_seconds=60, memory_mb=512)
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("an in-memory SQLite database is not shared with a child")
    assert childproc.run_limited(_from_the_database, limits=limits, what="검증") == 1
    from jingsu.core.models import Jurisdiction

    assert Jurisdiction.objects.filter(code=HOME).count() == 1  # the parent's session was not closed by the child


# --- hostile files through the console ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_zip_bomb_upload_is_the_normal_file_error(world, client, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
            for _ in range(512):
                part.write(b" " * (1 << 20))
            part.write(b"</t></is></c></row></sheetData></worksheet>")
    assert bomb.stat().st_size < 1 << 20
    post_upload(client, world, bomb.read_bytes(), name="bomb.xlsx")
    started = time.monotonic()
    roll_uploads.run_pending()
    assert time.monotonic() - started < 10
    up = latest()
    assert up.status == S.INVALID and up.errors[0]["row"] == 0 and "압축 폭탄" in up.errors[0]["message"]
    assert not roll_uploads.stored_path(up).exists()


# --- the importer's reader process -------------------------------------------------------------------------------


def _proc_state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return None


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if _proc_state(pid) in (None, "Z", "X"):
            return True
        time.sleep(0.05)
    return False


READER_SCRIPT = textwrap.dedent('''
    import os, signal, sys, time
    from datetime import date
    from pathlib import Path
    import django
    django.setup()
    from django.db import connection
    from jingsu.rolls import importer
    from jingsu.rolls.reader import open_roll

    connection.ensure_connection()
    backend = -1
    if connection.vendor == "postgresql":  # the import's session, idle in its transaction, holding a lock
        connection.connection.execute("BEGIN")
        backend = connection.connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        connection.connection.execute("LOCK TABLE pg_catalog.pg_description IN ACCESS SHARE MODE")
    batches = importer._checked_in_worker(open_roll(Path(sys.argv[1])), "11260", date(2026, 11, 23), 1)
    next(batches)  # the reader runs, and waits on its full queue
    import multiprocessing
    child = multiprocessing.active_children()[0]
    time.sleep(0.5)
    print(child.pid, backend, flush=True)
    time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGKILL)  # the import is killed in the middle
''')


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal and /proc are Linux's")
def test_a_killed_imports_reader_dies_with_it_and_its_database_session_ends(tmp_path):
    """The import is killed (SIGKILL) while its reader runs: the reader must die too, and on PostgreSQL the import's
    session — idle in its transaction, holding locks — must end, not live on through the reader's inherited socket
    (the next import waited forever)."""
    roll = tmp_path / "roll.csv"
    roll.write_bytes(many_rows_csv(50))
    (tmp_path / "var").mkdir()
    env = {**os.environ, "PYTHONPATH": str(SRC), "DJANGO_SETTINGS_MODULE": "jingsu.settings",
           "JINGSU_VAR_DIR": str(tmp_path / "var")}
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/postgres"  # any database: the session is what matters
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-c", READER_SCRIPT, str(roll)], env=env, stdout=subprocess.PIPE,
                                stderr=err, text=True)
        # the first line is the reader's pid; not reading to the end: an orphaned reader would hold the pipe open
        line = proc.stdout.readline()
        assert proc.wait(timeout=120) == -signal.SIGKILL, errors.read_text()
    reader, backend = (int(x) for x in line.split())
    try:
        assert _gone(reader, within=10), "the reader outlived the killed import"
        if backend > 0:
            import psycopg

            deadline = time.monotonic() + 10
            with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
                while db.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend]).fetchone()[0]:
                    assert time.monotonic() < deadline, "the killed import's session lives on"
                    time.sleep(0.1)
    finally:
        proc.stdout.close()
        if _proc_state(reader) not in (None, "Z", "X"):
            os.kill(reader, signal.SIGKILL)


@pytest.mark.django_db
def test_a_detached_child_holds_none_of_the_parents_sockets(tmp_path):
    """In the child, the inherited descriptor of each database session points at /dev/null after
    `detach_inherited_connections` (PostgreSQL; on SQLite there is no socket and nothing to hold)."""
    import multiprocessing

    import django.db

    conn = django.db.connection
    if conn.vendor != "postgresql":
        pytest.skip("PostgreSQL sessions only")
    conn.ensure_connection()
    fd = conn.connection.fileno()
    socket = os.readlink(f"/proc/self/fd/{fd}")
    assert socket.startswith("socket:")
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child():
        childproc.become_child()
        sender.send(os.readlink(f"/proc/self/fd/{fd}"))

    process = context.Process(target=child)
    process.start()
    seen = receiver.recv()
    process.join()
    assert seen == os.devnull
    with conn.cursor() as cursor:  # the parent's session is intact
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


# --- the sweeper -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweeper_fails_stuck_steps_deletes_their_files_and_audits(world, client, clock, settings):
    settings.JINGSU_ROLL_VALIDATE_SECONDS = 600  # a validation is stuck after 600 + 300 s
    settings.JINGSU_ROLL_IMPORT_STUCK_SECONDS = 3600
    ups = []
    for serial in "123":
        post_upload(client, world, good_csv(serial))
        ups.append(latest())
    stuck_validation, stuck_import, running = ups
    now = clock.now()
    RollUpload.objects.filter(pk=stuck_validation.pk).update(status=S.VALIDATING, claimed_at=now)
    RollUpload.objects.filter(pk=stuck_import.pk).update(status=S.IMPORTING, validated_at=now, started_at=now,
                                                         claimed_at=now, confirmed_by="tester")
    clock.advance(timedelta(minutes=20))
    RollUpload.objects.filter(pk=running.pk).update(status=S.IMPORTING, validated_at=clock.now(),
                                                     started_at=clock.now(), claimed_at=clock.now())
    assert roll_uploads.sweep_stuck(clock=clock) == 1  # the validation, claimed 20 minutes ago (limit 15)
    clock.advance(timedelta(minutes=45))
    assert roll_uploads.sweep_stuck(clock=clock) == 1  # the import, claimed 65 minutes ago (limit 60)
    for up in (stuck_validation, stuck_import):
        up.refresh_from_db()
        assert up.status == S.FAILED and up.finished_at is not None
        assert "중단된 것으로 보고 실패로 처리했습니다" in up.failure and "다시 올려 주세요" in up.failure
        assert not roll_uploads.stored_path(up).exists()
        assert not roll_uploads.can_confirm(up)
    assert "검증이 15분 안에" in RollUpload.objects.get(pk=stuck_validation.pk).failure
    assert "가져오기가 60분 안에" in RollUpload.objects.get(pk=stuck_import.pk).failure
    running.refresh_from_db()
    assert running.status == S.IMPORTING and roll_uploads.stored_path(running).exists()  # 45 minutes: still fine
    logs = AuditLog.objects.filter(action="roll.upload.swept").order_by("id")
    assert [(a.actor, a.detail["was"]) for a in logs] == [("system:sweeper", "validating"),
                                                          ("system:sweeper", "importing")]
    assert roll_uploads.sweep_stuck(clock=clock) == 0  # nothing twice


@pytest.mark.django_db
def test_an_upload_left_waiting_for_a_worker_is_swept_too(world, client, clock, settings):
    settings.JINGSU_ROLL_VALIDATE_SECONDS = 60
    post_upload(client, world, good_csv())
    up = latest()
    RollUpload.objects.filter(pk=up.pk).update(status=S.VALIDATING)  # claimed by a worker that died at once
    clock.advance(timedelta(minutes=10))
    assert roll_uploads.sweep_stuck(clock=clock) == 1
    up.refresh_from_db()
    assert up.status == S.FAILED and not roll_uploads.stored_path(up).exists()


# --- PostgreSQL: the import's session ends when left idle in its transaction -------------------------------------


@pytest.mark.django_db
def test_import_sessions_have_an_idle_in_transaction_timeout(settings):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")

    def current() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW idle_in_transaction_session_timeout")
            return cursor.fetchone()[0]

    before = current()
    with childproc.idle_in_transaction_timeout(childproc.import_idle_seconds()):
        assert current() == "10min"
    assert current() == before
