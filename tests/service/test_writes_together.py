"""services.dialects.writes_together: several writes, one round trip on PostgreSQL (CTEs of
the last statement), one by one on SQLite; every write lands and the last one's result comes
back, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event, insert, select, update

from feedback.models import Message, ScoreChange
from feedback.services import dialects, thread_turns

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def test_every_write_lands_and_postgresql_gets_one_statement(session, survey_link):
    _, invitation_id = survey_link()
    session.commit()
    sent: list[str] = []
    engine = session.get_bind().engine

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            sent.append(statement)

    change = insert(ScoreChange.__table__).values(
        invitation_id=invitation_id, score=7, source="click", counted=True, reason="",
        user_agent=None, created_at=NOW,
    )  # fmt: skip
    turn = insert(Message.__table__).values(
        **thread_turns.turn(invitation_id, "inbound", "score", "click", "7", NOW)
    )
    last = (
        update(ScoreChange.__table__)
        .where(ScoreChange.__table__.c.invitation_id == invitation_id)
        .values(reason="checked")
    )
    event.listen(engine, "before_cursor_execute", count)
    try:
        dialect = session.get_bind().dialect.name
        for statement in dialects.writes_together(dialect, [change, turn, last]):
            result = session.execute(statement)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert len(sent) == (1 if dialects.is_postgresql(session) else 3)
    assert result is not None
    assert (
        session.scalar(
            select(Message.body).where(
                Message.invitation_id == invitation_id, Message.kind == "score"
            )
        )
        == "7"
    )
    # On PostgreSQL the UPDATE runs on the statement's snapshot and does not see the row its
    # CTE inserted: callers pass writes to different rows (this one leaves the new row as is).
    reasons = session.scalars(
        select(ScoreChange.reason).where(ScoreChange.invitation_id == invitation_id)
    ).all()
    assert reasons == ([""] if dialects.is_postgresql(session) else ["checked"])


def test_one_write_is_sent_as_it_is():
    change = insert(ScoreChange.__table__).values(score=7)
    assert dialects.writes_together("postgresql", [change]) == (change,)
    assert dialects.writes_together("sqlite", []) == ()
