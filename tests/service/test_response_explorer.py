"""The responses explorer on a real database: filters, full-text search over comments and
replies (PostgreSQL full-text with its GIN index, LIKE on SQLite), the access rule, keyset
pages, and the streamed export."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from feedback.models import Message, ResponseTheme, Theme
from feedback.services import response_explorer, response_export
from feedback.services.errors import InvalidInput
from tests.builders import NOW, add_response, add_task, contact_of

F = response_explorer.Filters


@pytest.fixture
def world(session, make_team, make_user, make_account, make_contact):
    team = make_team(name="Enterprise")
    other = make_team(name="SMB")
    csm = make_user("csm", team_id=team.id)
    stranger = make_user("csm", team_id=other.id)
    admin = make_user("admin")
    mega = make_account(name="MegaCorp", plan="enterprise", region="EMEA", owner_email=csm.email)
    tiny = make_account(name="Tiny", plan="starter", region="APAC", owner_email=stranger.email)
    dana = contact_of(session, make_contact, mega, name="Dana")
    tom = contact_of(session, make_contact, tiny, name="Tom")
    angry = add_response(session, dana, score=2, comment="The invoices export crashes daily",
                         answered_at=NOW - timedelta(days=3), label="negative", polarity=-0.6,
                         mismatch=False)  # fmt: skip
    happy = add_response(session, dana, score=10, comment="=HYPERLINK(\"http://x\")",
                         answered_at=NOW - timedelta(days=2), label="positive", polarity=0.8,
                         mismatch=True)  # fmt: skip
    quiet = add_response(session, tom, score=8, answered_at=NOW - timedelta(days=1))
    # Tom answered an email reply: the words are in the conversation, not the comment.
    session.add(Message(invitation_id=quiet.invitation_id, direction="inbound", kind="reply",
                        channel="email", body="Honestly the onboarding wizard was confusing",
                        created_at=NOW))  # fmt: skip
    theme = Theme(key="billing", name="Billing", keywords=["invoice"])
    session.add(theme)
    session.flush()
    session.add(ResponseTheme(response_id=angry.id, theme_id=theme.id, spans=[], label="negative"))
    session.commit()
    task = add_task(session, owner=csm, response=angry, status="in_progress")
    return {"csm": csm, "stranger": stranger, "admin": admin, "mega": mega, "tiny": tiny,
            "angry": angry, "happy": happy, "quiet": quiet, "task": task, "dana": dana}  # fmt: skip


def ids(session, viewer, **filters):
    page = response_explorer.explore(session, viewer, F(**filters))
    return [r.id for r in page.rows]


def test_filters_narrow_the_list(session, world):
    admin, angry, happy, quiet = world["admin"], world["angry"], world["happy"], world["quiet"]
    assert ids(session, admin) == [quiet.id, happy.id, angry.id]
    assert ids(session, admin, category="detractor") == [angry.id]
    assert ids(session, admin, score_min=8) == [quiet.id, happy.id]
    assert ids(session, admin, plan="starter") == [quiet.id]
    assert ids(session, admin, region="EMEA") == [happy.id, angry.id]
    assert ids(session, admin, theme="billing") == [angry.id]
    assert ids(session, admin, sentiment="positive") == [happy.id]
    assert ids(session, admin, has_comment=False) == [quiet.id]
    assert ids(session, admin, mismatch=True) == [happy.id]
    assert ids(session, admin, mismatch=False) == [quiet.id, angry.id]
    assert ids(session, admin, task_status="in_progress") == [angry.id]
    assert ids(session, admin, task_status="any_open") == [angry.id]
    assert ids(session, admin, task_status="none") == [quiet.id, happy.id]
    assert ids(session, admin, account_id=world["tiny"].id) == [quiet.id]
    assert ids(session, admin, contact_id=world["dana"].id) == [happy.id, angry.id]
    day = (NOW - timedelta(days=2)).date()
    assert ids(session, admin, since=day, until=day) == [happy.id]


def test_search_finds_words_in_comments_and_in_customers_replies(session, world):
    admin = world["admin"]
    assert ids(session, admin, q="crashes") == [world["angry"].id]
    assert ids(session, admin, q="invoices export") == [world["angry"].id]
    assert ids(session, admin, q="onboarding wizard") == [world["quiet"].id]
    assert ids(session, admin, q="nothing like this") == []
    assert ids(session, admin, q="100%_\\") == []  # LIKE's wildcards are plain characters


def test_search_uses_each_databases_own_tool(session, world):
    """PostgreSQL: full-text search through the GIN indexes; SQLite: LIKE."""
    query = response_explorer.visible_query(session, world["admin"], F(q="crashes"))
    if session.get_bind().dialect.name != "postgresql":
        assert "LIKE" in str(query.compile(session.get_bind()))
        return
    names = set(session.scalars(text("SELECT indexname FROM pg_indexes")))
    assert {"ix_responses_comment_fts", "ix_messages_inbound_body_fts"} <= names
    session.execute(text("SET LOCAL enable_seqscan = off"))

    def plan(statement):
        compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        return "\n".join(session.scalars(text(f"EXPLAIN {compiled}")))

    assert "ix_responses_comment_fts" in plan(query)
    assert "ix_messages_inbound_body_fts" in plan(response_explorer.replies_saying(session, "x"))


def test_a_csm_sees_only_their_accounts_responses(session, world):
    assert ids(session, world["csm"]) == [world["happy"].id, world["angry"].id]
    assert ids(session, world["stranger"]) == [world["quiet"].id]
    assert ids(session, world["stranger"], q="crashes") == []


def test_keyset_pages_walk_every_row_once(session, world):
    admin = world["admin"]
    seen, after = [], None
    while True:
        page = response_explorer.explore(session, admin, F(), after=after, per_page=2)
        assert page.total == 3
        seen += [r.id for r in page.rows]
        if page.next_cursor is None:
            break
        after = response_explorer.parse_cursor(page.next_cursor)
    assert seen == [world["quiet"].id, world["happy"].id, world["angry"].id]
    # A search pages the same way (its matches are listed first, then cut by the cursor).
    first = response_explorer.explore(session, admin, F(q="the"), per_page=1)
    assert [r.id for r in first.rows] == [world["quiet"].id] and first.total == 2
    second = response_explorer.explore(
        session, admin, F(q="the"), after=response_explorer.parse_cursor(first.next_cursor),
        per_page=1,
    )  # fmt: skip
    assert [r.id for r in second.rows] == [world["angry"].id] and second.next_cursor is None


def test_rows_carry_themes_and_tasks(session, world):
    page = response_explorer.explore(session, world["admin"], F(theme="billing"))
    (row,) = page.rows
    assert row.themes == ["Billing"]
    assert [(t.id, t.status) for t in row.tasks] == [(world["task"].id, "in_progress")]
    assert row.account_name == "MegaCorp" and row.sentiment_label == "negative"


def test_filters_from_the_url_refuse_what_names_nothing():
    with pytest.raises(InvalidInput) as caught:
        F.from_args({"category": "grumpy", "score_min": "11", "since": "yesterday",
                     "task_status": "lost", "mismatch": "maybe"})  # fmt: skip
    assert set(caught.value.fields) == {"category", "score_min", "since", "task_status", "mismatch"}
    with pytest.raises(InvalidInput) as caught:
        F.from_args({"since": "2026-02-01", "until": "2026-01-01"})
    assert "until" in caught.value.fields
    parsed = F.from_args({"q": " crash ", "has_comment": "yes", "since": "2026-01-01", "plan": ""})
    assert parsed == F(q="crash", has_comment=True, since=date(2026, 1, 1))
    assert F.from_args(parsed.as_args()) == parsed
    with pytest.raises(InvalidInput):
        response_explorer.parse_cursor("not-a-cursor")


def test_the_export_streams_every_row_with_analysis_and_is_spreadsheet_safe(session, world):
    lines = response_export.export_csv(session, world["admin"], F())
    assert not isinstance(lines, list | tuple | str)  # a generator: streamed, not built
    rows = list(csv.DictReader(io.StringIO("".join(lines))))
    assert [int(r["response_id"]) for r in rows] == [
        world["quiet"].id, world["happy"].id, world["angry"].id]  # fmt: skip
    angry = rows[2]
    assert angry["themes"] == "Billing" and angry["sentiment"] == "negative"
    assert angry["account"] == "MegaCorp" and angry["plan"] == "enterprise"
    assert angry["task_ids"] == str(world["task"].id)
    assert rows[1]["comment"].startswith("'=HYPERLINK")  # never a formula
    assert rows[1]["mismatch"] == "yes"
