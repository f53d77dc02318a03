"""services.dialects.insert_rows: many rows at once (COPY on PostgreSQL, in its text format
written by dialects.copy_text; executemany on SQLite), every value read back as written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from feedback.models import EmailContent, Message, OutboxEmail
from feedback.services import dialects, thread_turns

NOW = datetime(2026, 3, 4, 10, 0, 0, 123456, tzinfo=UTC)

AWKWARD = [
    "plain",
    "tab\there, line\nfeed, carriage\rreturn",
    "back\\slash, \\N, \\t and a trailing backslash\\",
    "quotes \" and ' and {braces} [brackets], a , comma; semi",
    "Zoë, 東京, emoji 🎉, \u00a0no-break",
    "",
    "\\.",
]


def test_awkward_texts_and_json_come_back_as_written(session, survey_link):
    _, invitation_id = survey_link()
    content = session.scalars(select(EmailContent)).first()
    assert content is not None
    dialects.insert_rows(session, Message.__table__, [
        thread_turns.turn(invitation_id, "outbound", "note", "email", body, NOW)
        for body in AWKWARD
    ])  # fmt: skip
    shared = {text: text for text in AWKWARD}
    dialects.insert_rows(session, OutboxEmail.__table__, [
        {"kind": "note", "content_id": content.id, "to_email": "a@example.org", "to_name": name,
         "substitutions": shared, "headers": {"X-Note": name or "", "nested": [1, None, True]},
         "invitation_id": invitation_id, "contact_id": None, "status": "held",
         "next_attempt_at": NOW}
        for name in [*AWKWARD, None]
    ])  # fmt: skip
    session.flush()
    session.expire_all()

    bodies = session.scalars(
        select(Message.body).where(Message.kind == "note").order_by(Message.id)
    ).all()
    assert bodies == AWKWARD
    rows = session.execute(
        select(OutboxEmail.to_name, OutboxEmail.substitutions, OutboxEmail.headers,
               OutboxEmail.next_attempt_at, OutboxEmail.attempts)
        .where(OutboxEmail.kind == "note").order_by(OutboxEmail.id)
    ).all()  # fmt: skip
    assert [r.to_name for r in rows] == [*AWKWARD, None]
    assert all(r.substitutions == shared for r in rows)
    assert [r.headers["X-Note"] for r in rows] == [*AWKWARD, ""]
    assert all(r.headers["nested"] == [1, None, True] for r in rows)
    assert {r.next_attempt_at.replace(tzinfo=UTC) for r in rows} == {NOW}
    assert {r.attempts for r in rows} == {0}  # a column default, written by the COPY too


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "\\N"),
        (True, "t"),
        (False, "f"),
        (42, "42"),
        ("a\tb\nc\rd\\e", "a\\tb\\nc\\rd\\\\e"),
        (NOW, "2026-03-04T10:00:00.123456+00:00"),
    ],
)
def test_copy_text_writes_postgresql_s_text_format(value, text):
    assert dialects.copy_text(value) == text


def test_copy_text_refuses_what_it_cannot_write():
    with pytest.raises(TypeError):
        dialects.copy_text(b"bytes")
