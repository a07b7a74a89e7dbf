"""The three state machines (campaign, notice, delivery attempt): their tables, and that every allowed move works and
writes its history row while every other move raises (jingsu.core.states; issue #15)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import transaction

from jingsu.core.models import Jurisdiction
from jingsu.core.states import IllegalTransition, Machine, StaleStatus
from jingsu.delivery.models import AttemptStatus, DeliveryAttempt, DeliveryEvent
from jingsu.notices import services as notices
from jingsu.notices.models import Campaign, CampaignEvent, Notice, NoticeEvent
from jingsu.rolls.importer import import_roll

SMALL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"
S, CS, NS = AttemptStatus, Campaign.Status, Notice.Status

#: The tables as the issue's report states them; a change to a table changes this test on purpose.
EXPECTED = {
    "campaign": {
        CS.DRAFT: {CS.BUILT},
        CS.BUILT: {CS.APPROVED, CS.CANCELLED},
        CS.APPROVED: {CS.SENDING, CS.CANCELLED},
        CS.SENDING: {CS.PAUSED, CS.COMPLETED, CS.CANCELLED},
        CS.PAUSED: {CS.SENDING, CS.CANCELLED},
        CS.COMPLETED: set(),
        CS.CANCELLED: set(),
    },
    "notice": {
        NS.PENDING: {NS.IN_DELIVERY, NS.CANCELLED},
        NS.CONTROL: set(),
        NS.IN_DELIVERY: {NS.DELIVERED, NS.READ, NS.PAPER, NS.UNDELIVERABLE, NS.CANCELLED},
        NS.DELIVERED: {NS.READ, NS.UNDELIVERABLE},
        NS.PAPER: {NS.READ, NS.UNDELIVERABLE},
        NS.UNDELIVERABLE: {NS.READ},
        NS.READ: set(),
        NS.CANCELLED: set(),
    },
    "delivery attempt": {
        S.QUEUED: {S.SENDING, S.CANCELLED},
        S.SENDING: {S.ACCEPTED, S.REJECTED, S.QUEUED},
        S.ACCEPTED: {S.DELIVERED, S.READ, S.FAILED, S.EXPIRED},
        S.DELIVERED: {S.READ, S.EXPIRED, S.FAILED},
        S.READ: set(),
        S.EXPIRED: set(),
        S.FAILED: set(),
        S.REJECTED: set(),
        S.CANCELLED: set(),
    },
}
MACHINES = {"campaign": Campaign, "notice": Notice, "delivery attempt": DeliveryAttempt}


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_each_table_lists_every_status_and_only_these_moves(name):
    model = MACHINES[name]
    machine: Machine = model.MACHINE
    assert machine.name == name
    assert set(machine.table) == set(model.Status.values if hasattr(model, "Status") else AttemptStatus.values)
    assert {s: set(nxt) for s, nxt in machine.table.items()} == EXPECTED[name]
    # the initial statuses are the ones rows are created in; nothing moves back into them but a retry's queued
    assert machine.initial == {"campaign": {CS.DRAFT}, "notice": {NS.PENDING, NS.CONTROL},
                               "delivery attempt": {S.QUEUED}}[name]


def test_a_table_that_names_an_unknown_status_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        Machine("x", {"a": {"unknown"}}, initial={"a"})


def test_machine_helpers():
    m = Notice.MACHINE
    assert m.sources(NS.UNDELIVERABLE) == (NS.IN_DELIVERY, NS.DELIVERED, NS.PAPER)
    assert m.reachable(NS.PENDING) == {NS.IN_DELIVERY, NS.CANCELLED, NS.DELIVERED, NS.READ, NS.PAPER,
                                       NS.UNDELIVERABLE}
    assert m.final == {NS.CONTROL, NS.READ, NS.CANCELLED}
    assert (NS.PAPER, NS.READ) in m.moves() and (NS.READ, NS.PAPER) not in m.moves()


# --- every move, on real rows ------------------------------------------------------------------------------------


@pytest.fixture
def rows(db, clock, jungnang):
    """A built campaign, one of its notices and one attempt of that notice: the rows every move is tried on."""
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    campaign = notices.create_campaign(jungnang, name="t", kind="arrears", as_of=date(2026, 11, 23), actor="maker",
                                       clock=clock)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    notice = campaign.notices.order_by("pk").first()
    now = clock.now()
    attempt = DeliveryAttempt.objects.create(notice=notice, channel="kakao", sequence=1, key="k-1", created_at=now,
                                             updated_at=now)
    return {"campaign": campaign, "notice": notice, "delivery attempt": attempt}


HISTORY = {"campaign": CampaignEvent, "notice": NoticeEvent, "delivery attempt": DeliveryEvent}


def _put(obj, status):
    """Set up a row in `status` (test set-up only: src/ never writes a status outside the machines)."""
    type(obj).objects.filter(pk=obj.pk).update(status=status)
    obj.refresh_from_db()


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_every_allowed_move_works_and_writes_history(name, rows, clock):
    obj = rows[name]
    machine = type(obj).MACHINE
    for frm, to in machine.moves():
        _put(obj, frm)
        clock.advance(timedelta(seconds=1))
        before = HISTORY[name].objects.count()
        notes = {"code": "X1"} if name == "delivery attempt" else {"actor": "clerk", "reason": "사유"}
        assert obj.move(to, at=clock.now(), **notes), (frm, to)
        assert obj.status == to and type(obj).objects.get(pk=obj.pk).status == to
        assert HISTORY[name].objects.count() == before + 1
        event = HISTORY[name].objects.latest("id")
        assert (event.from_status, event.to_status, event.at) == (frm, to, clock.now())
        if name == "delivery attempt":
            assert event.code == "X1" and obj.result_code == "X1" and obj.updated_at == clock.now()
        else:
            assert (event.actor, event.reason) == ("clerk", "사유")


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_every_other_move_raises_and_writes_nothing(name, rows, clock):
    obj = rows[name]
    machine = type(obj).MACHINE
    allowed = set(machine.moves())
    forbidden = [(frm, to) for frm in machine.table for to in machine.table if (frm, to) not in allowed]
    assert forbidden
    for frm, to in forbidden:
        _put(obj, frm)
        before = HISTORY[name].objects.count()
        with pytest.raises(IllegalTransition):
            obj.move(to, at=clock.now())
        with pytest.raises(IllegalTransition):
            type(obj).move_many([(obj, to)], at=clock.now())
        assert type(obj).objects.get(pk=obj.pk).status == frm and HISTORY[name].objects.count() == before


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_a_move_from_a_stale_status_does_nothing(name, rows, clock):
    obj = rows[name]
    machine = type(obj).MACHINE
    frm, to = machine.moves()[0]
    _put(obj, frm)
    stale = type(obj).objects.get(pk=obj.pk)
    assert obj.move(to, at=clock.now())
    before = HISTORY[name].objects.count()
    # another process holding the old status cannot move it (nor a batch that says it is elsewhere)
    assert stale.move(to, at=clock.now()) is False
    with pytest.raises(StaleStatus), transaction.atomic():
        type(obj).move_many([(stale, to)], at=clock.now())
    assert HISTORY[name].objects.count() == before


@pytest.mark.django_db
def test_move_many_moves_a_batch_set_based_with_a_history_row_per_move(rows, clock):
    notice = rows["notice"]
    now = clock.now()
    others = list(Notice.objects.filter(campaign=notice.campaign).exclude(pk=notice.pk).order_by("pk"))
    batch = [notice, *others]
    Notice.objects.filter(pk__in=[n.pk for n in batch]).update(status=NS.IN_DELIVERY)
    for n in batch:
        n.refresh_from_db()
    # one notice read through delivered (two moves, in order), the others delivered; dates written with them
    for n in batch:
        n.delivered_at = now
    notice.read_at = now
    moved = Notice.move_many([(notice, NS.DELIVERED), (notice, NS.READ), *[(n, NS.DELIVERED) for n in others]],
                             at=now, actor="system:delivery", fields=["delivered_at", "read_at"])
    assert moved == len(batch)
    assert Notice.objects.get(pk=notice.pk).status == NS.READ and Notice.objects.get(pk=notice.pk).read_at == now
    assert {n.status for n in Notice.objects.filter(pk__in=[n.pk for n in others])} == {NS.DELIVERED}
    assert list(notice.events.values_list("from_status", "to_status", "actor")) == [
        (NS.IN_DELIVERY, NS.DELIVERED, "system:delivery"), (NS.DELIVERED, NS.READ, "system:delivery")]
    assert NoticeEvent.objects.count() == len(batch) + 1
    # without fields: one UPDATE per (from, to) group
    with pytest.raises(IllegalTransition):  # checked before anything is written
        Notice.move_many([(others[0], NS.UNDELIVERABLE), (notice, NS.PAPER)], at=now)
    assert Notice.objects.get(pk=others[0].pk).status == NS.DELIVERED
    assert Notice.move_many([(n, NS.UNDELIVERABLE) for n in others], at=now, reason="반송") == len(others)
    assert set(NoticeEvent.objects.filter(to_status=NS.UNDELIVERABLE).values_list("reason", flat=True)) == {"반송"}


@pytest.mark.django_db
def test_move_where_moves_what_a_condition_selects_from_the_allowed_statuses(rows, clock):
    campaign, attempt = rows["campaign"], rows["delivery attempt"]
    now = clock.now()
    all_notices = Notice.objects.filter(campaign=campaign)
    pending = set(all_notices.filter(status=NS.PENDING).values_list("pk", flat=True))
    control = set(all_notices.filter(status=NS.CONTROL).values_list("pk", flat=True))
    moved = Notice.move_where(all_notices, NS.IN_DELIVERY, at=now, actor="clerk")
    assert set(moved) == pending  # the control group cannot move
    assert set(all_notices.filter(status=NS.CONTROL).values_list("pk", flat=True)) == control
    assert NoticeEvent.objects.filter(to_status=NS.IN_DELIVERY, actor="clerk").count() == len(pending)
    with pytest.raises(IllegalTransition):  # a source the table does not allow
        Notice.move_where(all_notices, NS.PAPER, at=now, sources=(NS.PENDING,))
    ids = DeliveryAttempt.move_where(DeliveryAttempt.objects.filter(pk=attempt.pk), S.CANCELLED, at=now,
                                     code="CANCELLED")
    attempt.refresh_from_db()
    assert ids == [attempt.pk] and attempt.status == S.CANCELLED and attempt.result_code == "CANCELLED"
    assert attempt.updated_at == now
    assert list(attempt.events.values_list("from_status", "to_status", "code")) == [
        (S.QUEUED, S.CANCELLED, "CANCELLED")]
    assert DeliveryAttempt.move_where(DeliveryAttempt.objects.filter(pk=attempt.pk), S.CANCELLED, at=now) == []


@pytest.mark.django_db
def test_campaign_move_many(rows, clock):
    campaign = rows["campaign"]
    assert Campaign.move_many([(campaign, CS.APPROVED)], at=clock.now(), actor="checker") == 1
    assert Campaign.objects.get(pk=campaign.pk).status == CS.APPROVED
    assert list(campaign.events.values_list("from_status", "to_status", "actor")) == [
        (CS.DRAFT, CS.BUILT, "maker"), (CS.BUILT, CS.APPROVED, "checker")]


def _queued_attempts(campaign, clock, n):
    """`n` queued Kakao attempts, one per notice of the campaign (test set-up: created in their initial status)."""
    now = clock.now()
    return [DeliveryAttempt.objects.create(notice=notice, channel="kakao", sequence=2, key=f"c-{notice.pk}",
                                           created_at=now, updated_at=now)
            for notice in campaign.notices.order_by("pk")[:n]]


@pytest.mark.django_db
def test_claim_locks_moves_and_writes_history_in_one_go(rows, clock):
    made = _queued_attempts(rows["campaign"], clock, 3)
    clock.advance(timedelta(minutes=1))
    now = clock.now()
    queued = DeliveryAttempt.objects.filter(pk__in=[a.pk for a in made]).order_by("id")
    with transaction.atomic():
        first = DeliveryAttempt.claim(queued, S.SENDING, limit=2, at=now, sources=(S.QUEUED,))
    assert [a.pk for a in first] == [a.pk for a in made[:2]]  # in the queryset's order, at most `limit`
    assert all(a.status == S.SENDING and a.updated_at == now for a in first)
    assert all(a.notice_id == m.notice_id and a.key == m.key for a, m in zip(first, made, strict=False))
    assert list(DeliveryEvent.objects.filter(attempt__in=made).order_by("attempt_id")
                .values_list("attempt_id", "from_status", "to_status", "at")) == [
        (a.pk, S.QUEUED, S.SENDING, now) for a in made[:2]]
    with transaction.atomic():  # the rows already claimed are no longer queued: only the third is left
        rest = DeliveryAttempt.claim(queued, S.SENDING, limit=10, at=now, sources=(S.QUEUED,))
    assert [a.pk for a in rest] == [made[2].pk]
    assert DeliveryAttempt.claim(queued, S.SENDING, limit=10, at=now, sources=(S.QUEUED,)) == []
    assert DeliveryAttempt.claim(queued.filter(pk__in=[]), S.SENDING, limit=10, at=now, sources=(S.QUEUED,)) == []
    with pytest.raises(IllegalTransition):  # a source the table does not allow, refused before anything is read
        DeliveryAttempt.claim(queued, S.READ, limit=10, at=now, sources=(S.QUEUED,))
    assert DeliveryEvent.objects.filter(attempt__in=made).count() == 3


@pytest.mark.django_db
def test_move_returning_moves_only_the_rows_still_where_their_instances_say(rows, clock):
    made = _queued_attempts(rows["campaign"], clock, 3)
    now = clock.now()
    with transaction.atomic():
        claimed = DeliveryAttempt.claim(DeliveryAttempt.objects.filter(pk__in=[a.pk for a in made]).order_by("id"),
                                        S.SENDING, limit=3, at=now, sources=(S.QUEUED,))
    # another process swept the second back to queued meanwhile
    assert DeliveryAttempt.objects.get(pk=claimed[1].pk).move(S.QUEUED, at=now, code="SWEPT")
    clock.advance(timedelta(seconds=5))
    later = clock.now()
    for a in claimed:
        a.tries, a.external_id, a.sent_at = 1, f"ext-{a.pk}", later
    with transaction.atomic():
        moved = DeliveryAttempt.move_returning(
            [(claimed[0], S.ACCEPTED, {"code": "OK"}), (claimed[1], S.ACCEPTED, {"code": "OK"}),
             (claimed[2], S.REJECTED, {"code": "NOT_USER"})],
            at=later, fields=["tries", "external_id", "sent_at"])
    assert moved == {claimed[0].pk, claimed[2].pk}
    first, second, third = (DeliveryAttempt.objects.get(pk=a.pk) for a in claimed)
    assert (first.status, first.result_code, first.external_id, first.tries, first.sent_at, first.updated_at) == (
        S.ACCEPTED, "OK", f"ext-{first.pk}", 1, later, later)
    assert (third.status, third.result_code) == (S.REJECTED, "NOT_USER")
    assert (second.status, second.result_code, second.external_id, second.tries) == (S.QUEUED, "SWEPT", "", 0)
    assert claimed[1].status == S.SENDING  # its instance is left as it was
    assert list(DeliveryEvent.objects.filter(at=later).order_by("attempt_id")
                .values_list("attempt_id", "from_status", "to_status", "code")) == [
        (first.pk, S.SENDING, S.ACCEPTED, "OK"), (third.pk, S.SENDING, S.REJECTED, "NOT_USER")]
    with pytest.raises(ValueError):  # one move per row
        DeliveryAttempt.move_returning([(first, S.DELIVERED, {}), (first, S.READ, {})], at=later)


@pytest.mark.django_db
def test_move_many_with_fields_writes_nothing_when_a_row_is_stale(rows, clock):
    attempt = rows["delivery attempt"]
    stale = DeliveryAttempt.objects.get(pk=attempt.pk)
    assert attempt.move(S.SENDING, at=clock.now())
    before = DeliveryEvent.objects.count()
    stale.tries = 3
    with pytest.raises(StaleStatus), transaction.atomic():  # the UPDATE and its history rows go (or stay) together
        DeliveryAttempt.move_many([(stale, S.SENDING)], at=clock.now(), fields=["tries"])
    assert DeliveryEvent.objects.count() == before and DeliveryAttempt.objects.get(pk=attempt.pk).tries == 0
    attempt.tries = 1
    assert DeliveryAttempt.move_many([(attempt, S.ACCEPTED, {"code": "OK"})], at=clock.now(), fields=["tries"]) == 1
    assert DeliveryEvent.objects.count() == before + 1
    assert DeliveryAttempt.objects.get(pk=attempt.pk).tries == 1
