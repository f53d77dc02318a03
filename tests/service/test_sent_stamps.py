"""Invitations get their sent stamp after the outbox record (services.sent_stamps): in a thread
when sessions have connections of their own, and restored from the outbox when a worker died
between the two writes. Both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from feedback import db
from feedback.models import Invitation, OutboxEmail
from feedback.services import sent_stamps

SENT = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def _sent_at(session, invitation_id: int) -> datetime | None:
    session.expire_all()
    return session.scalar(select(Invitation.sent_at).where(Invitation.id == invitation_id))


def test_stamps_handed_to_the_thread_are_written_by_close(session, survey_link):
    _, first = survey_link()
    _, second = survey_link(question="ces")
    session.commit()
    # Forced into the background: here sessions share one connection, and the caller does
    # nothing else while the thread writes (close() waits for it).
    stamps = sent_stamps.SentStamps(db.database().sessionmaker, background=True)
    assert not stamps.with_record
    stamps.add([first], SENT)
    stamps.add([second], SENT)
    stamps.close()
    assert _sent_at(session, first) == SENT and _sent_at(session, second) == SENT


def test_a_stamp_lost_in_a_crash_is_restored_from_the_outbox(session, survey_link):
    _, lost = survey_link()
    _, waiting = survey_link(question="ces")
    # The outbox record of `lost` committed, then the worker died before the stamp: the
    # outbox says sent, the invitation does not. `waiting` has not been sent at all.
    session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.invitation_id == lost, OutboxEmail.kind == "invitation")
        .values(status="sent", sent_at=SENT)
    )
    session.commit()
    assert _sent_at(session, lost) is None

    assert sent_stamps.restore_missing(db.database().sessionmaker) == 1
    assert _sent_at(session, lost) == SENT
    assert _sent_at(session, waiting) is None
    assert sent_stamps.restore_missing(db.database().sessionmaker) == 0  # nothing left to do


def test_an_already_stamped_invitation_keeps_its_stamp(session, survey_link):
    _, invitation_id = survey_link()
    session.commit()
    factory = db.database().sessionmaker
    with factory() as writer, writer.begin():
        sent_stamps.stamp(writer, [invitation_id], SENT)
    with factory() as writer, writer.begin():
        sent_stamps.stamp(writer, [invitation_id], datetime(2026, 3, 5, tzinfo=UTC))
    assert _sent_at(session, invitation_id) == SENT
