"""The funnel's answered and commented steps read stamps on the invitations (kept by a trigger
on the responses): after each way a response is created, changed, moved or removed, they
equal the counts of the join they replace."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import delete, func, insert, select, text, update

from feedback.demo import seed as demo_seed
from feedback.models import Invitation, Response, SurveyProgram
from feedback.services import capture, funnel, privacy, programs
from feedback.services.nps_report import Filters
from feedback.tokens import hash_token, new_token
from tests import builders

SENT = datetime(2026, 11, 1, 9, tzinfo=UTC)
EVERYTHING = Filters(date(2020, 1, 1), date(2027, 12, 31), today=date(2026, 12, 1))
_seq = count(1)


def joined(session) -> dict[int, tuple[int, int]]:
    """Answered and commented per program, counted the old way: invitations joined to their
    responses, a comment counting when it has more than spaces."""
    commented = func.coalesce(func.length(func.trim(Response.comment)), 0) > 0
    rows = session.execute(
        select(
            Invitation.program_id,
            func.count(Response.id),
            func.count(Response.id).filter(commented),
        )
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.sent_at >= EVERYTHING.since, Invitation.sent_at < EVERYTHING.until)
        .group_by(Invitation.program_id)
    ).all()
    return {program_id: (answered, said) for program_id, answered, said in rows}


def agree(session) -> tuple[int, int]:
    """Assert the funnel equals the join; return the totals (answered, commented)."""
    session.flush()
    names = dict(session.execute(select(SurveyProgram.id, SurveyProgram.name)).all())
    expected = {names[p]: counts for p, counts in joined(session).items()}
    found = {
        f.program: (f.count("answered"), f.count("commented"))
        for f in funnel.funnels(session, EVERYTHING)
    }
    assert found == expected
    return sum(a for a, _ in found.values()), sum(c for _, c in found.values())


@pytest.fixture
def sent(session, make_contact):
    """Six invitations sent on 1 November to two people; returns (contacts, [(inv, token)])."""
    program = programs.create_program(session, {"name": "Stamps", "kind": "nps", "active": True})
    people = [make_contact(), make_contact()]
    out = []
    for i in range(6):
        token = new_token()
        inv = Invitation(
            program_id=program.id, contact_id=people[i % 2].id, wave_key=f"s{next(_seq)}",
            token_hash=hash_token(token), reply_token_hash=hash_token(new_token()),
            created_at=SENT, sent_at=SENT, delivered_at=SENT, expires_at=SENT + timedelta(days=30),
        )  # fmt: skip
        session.add(inv)
        out.append((inv, token))
    session.commit()
    return people, out


def test_capture_paths_keep_the_stamps(session, sent):
    _people, invs = sent
    assert agree(session) == (0, 0)
    now = SENT + timedelta(hours=1)
    capture.record_click(session, invs[0][1], 9, user_agent="Mozilla/5.0", headers={}, now=now)
    session.commit()
    capture.submit_answer(session, invs[1][1], score=3, comment="Too slow", now=now)
    capture.submit_answer(session, invs[2][1], score=8, comment="   ", now=now)
    capture.submit_answer(session, invs[3][1], score=10, comment="Great", now=now)
    session.commit()
    assert agree(session) == (4, 2)
    # The comment page sent again, the comment now emptied: no longer commented.
    capture.submit_answer(session, invs[3][1], score=10, comment="", now=now + timedelta(minutes=5))
    session.commit()
    agree(session)
    # A comment added to a clicked-only answer.
    capture.submit_answer(
        session, invs[0][1], score=9, comment="Fine", now=now + timedelta(minutes=6)
    )
    session.commit()
    agree(session)


def test_orm_bulk_sql_and_deletes_keep_the_stamps(session, sent, make_contact):
    people, invs = sent
    builders.add_response(session, people[0], score=4, comment="Pricing")  # the ORM
    session.execute(  # in bulk, as imports, the demo history and the benches write
        insert(Response),
        [
            {"invitation_id": inv.id, "program_id": inv.program_id, "contact_id": inv.contact_id,
             "score": 7 + i, "category": "passive", "comment": comment, "status": "confirmed",
             "answered_at": SENT}
            for i, ((inv, _), comment) in enumerate(zip(invs[:3], ["Ok", None, " "], strict=True))
        ],
    )  # fmt: skip
    session.commit()
    assert agree(session) == (4, 2)
    first = session.scalar(select(Response).where(Response.invitation_id == invs[0][0].id))
    first.comment = None  # an ORM edit
    session.commit()
    assert agree(session) == (4, 1)
    session.execute(text("UPDATE responses SET comment = 'Now I say' WHERE invitation_id = :i"),
                    {"i": invs[1][0].id})  # fmt: skip
    assert agree(session) == (4, 2)
    # A response moved to another invitation: the old one is no longer answered.
    session.execute(
        update(Response)
        .where(Response.invitation_id == invs[1][0].id)
        .values(invitation_id=invs[4][0].id)
    )
    assert agree(session) == (4, 2)
    session.delete(first)  # as a scanner's burst is taken back
    session.execute(delete(Response).where(Response.invitation_id == invs[4][0].id))
    session.commit()
    assert agree(session) == (2, 1)
    session.delete(session.get(Invitation, invs[2][0].id))  # its response goes by cascade
    session.commit()
    agree(session)


def test_privacy_erasure_keeps_the_stamps(session, sent):
    people, invs = sent
    for inv, token in invs[:4]:
        capture.submit_answer(session, token, score=6, comment=f"Words of {inv.contact_id}",
                              now=SENT + timedelta(hours=1))  # fmt: skip
    session.commit()
    assert agree(session) == (4, 4)
    privacy.erase_contact(session, people[0], actor="dpo@example.com", channel="admin")
    session.commit()
    assert agree(session) == (4, 2)


def test_the_demo_history_keeps_the_stamps(session):
    demo_seed.seed(session, seed=11, now=datetime(2026, 3, 10, 14, 30, tzinfo=UTC))
    session.commit()
    answered, commented = agree(session)
    assert answered > commented > 0
