"""How many SQL statements one click and one answer send: pinned, so capture stays lean under
load (bench/capture.py measures the speed; this test counts round trips, never time).

Before issue 15 a click sent 14 statements and an answer 33 (18 once the themes were seeded):
the invitation, its program, its contact and its response were four reads, the response was
inserted and then read again, every field of the row was its own UPDATE, and the analysis,
theme tags and "has the thread a score turn?" were three more reads. Then 9 and 10; the
answer's 10 became 6 once the comment's analysis (reads of replies and themes, the analysis
and theme rows) moved to the analyze-responses job; 8 and 5 since the first read also asks
whether any webhook endpoint exists (none here), instead of a read of the endpoints each.
Then 5 and 3: a request's writes go together (one statement of data-modifying CTEs on
PostgreSQL; SQLite sends them one by one, counted here as they come, so its pins are
higher). Now 4 and 3: a first click creates the response with its other writes in that one
statement (services.capture_rows), where it was a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event

from feedback.models import Message, Response, ResponseAnalysis, ScoreChange
from feedback.services import analytics, taxonomy

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Mobile Safari/604.1"
COMMENT = "Setup was fast and the support team answered within the hour."
CLICK_STATEMENTS = {"postgresql": 4, "sqlite": 8}
ANSWER_STATEMENTS = {"postgresql": 3, "sqlite": 5}


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The statements the app sends while the block runs (the tests' savepoints aside)."""
    seen: list[str] = []
    bind = app.extensions["feedback.db"].sessionmaker.kw["bind"]
    engine = bind.engine

    sqlite = engine.dialect.name == "sqlite"

    def before(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            return
        text = " ".join(statement.split())[:120]
        # PostgreSQL inserts several ORM rows with RETURNING in one statement; SQLAlchemy
        # sends them one by one to SQLite: count such a run once, as on the real database.
        if sqlite and seen and seen[-1] == text and text.startswith("INSERT"):
            return
        seen.append(text)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_a_click_and_an_answer_send_few_statements_and_record_everything(
    app, client, session, survey_link
):
    taxonomy.seed_taxonomy(session)  # as `flask seed-defaults` leaves a real database
    token, invitation_id = survey_link()
    session.commit()

    with statements(app) as click:
        assert client.get(f"/r/{token}/9", headers={"User-Agent": PHONE}).status_code == 200
    with statements(app) as answer:
        posted = client.post(f"/r/{token}", data={"score": "9", "comment": COMMENT})
        assert posted.status_code == 303

    dialect = app.extensions["feedback.db"].engine.dialect.name
    assert len(click) == CLICK_STATEMENTS[dialect], "\n".join(click)
    assert len(answer) == ANSWER_STATEMENTS[dialect], "\n".join(answer)
    # Nothing recorded before is left out: the response, both score changes (the click and
    # the page), the thread's score and comment turns, and the comment's analysis with themes.
    session.expire_all()
    response = session.query(Response).filter_by(invitation_id=invitation_id).one()
    assert (response.score, response.status, response.comment) == (9, "confirmed", COMMENT)
    assert response.invitation.responded_at is not None
    sources = [c.source for c in session.query(ScoreChange).filter_by(invitation_id=invitation_id)]
    assert sources == ["click", "page"]
    kinds = [m.kind for m in session.query(Message).filter_by(invitation_id=invitation_id)]
    assert sorted(kinds) == ["comment", "invitation", "score"] or sorted(kinds) == [
        "comment",
        "score",
    ]
    # The comment's analysis is the analyze-responses job's: marked now, recorded when it runs.
    assert response.analysis_pending and session.get(ResponseAnalysis, response.id) is None
    assert analytics.analyze_pending(session) == 1
    session.commit()
    session.expire_all()
    assert not response.analysis_pending
    analysis = session.get(ResponseAnalysis, response.id)
    assert analysis is not None and analysis.sentiment_label == "positive"
    assert {tag.theme.key for tag in response.theme_tags} >= {"support"}


def test_a_double_click_adds_evidence_and_no_second_response(app, client, session, survey_link):
    token, invitation_id = survey_link()
    session.commit()
    client.get(f"/r/{token}/9", headers={"User-Agent": PHONE})
    with statements(app) as again:
        assert client.get(f"/r/{token}/9", headers={"User-Agent": PHONE}).status_code == 200
    assert len(again) <= 5, "\n".join(again)
    assert session.query(Response).filter_by(invitation_id=invitation_id).count() == 1
    assert session.query(ScoreChange).filter_by(invitation_id=invitation_id).count() == 2
    turns = session.query(Message).filter_by(invitation_id=invitation_id, kind="score").count()
    assert turns == 1
