"""Revision 3c7a9e51d2b4: stored onboarding answers stop counting as NPS.

Rows are written at head, put back into the shape the old code stored (closeness answers as
scale 'nps' with NPS categories, milestones asking "nps"), the revision is undone and redone,
and the answers come out with their own kind and categories.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from feedback import db, migrate
from feedback.models import Contact, Invitation, Response, SurveyProgram
from tests.conftest import reset_schema

REVISION = "3c7a9e51d2b4"


def _scratch(engine, database_url, tmp_path):
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'kinds.sqlite3'}"
    else:
        # Named after the test database, so two checkouts sharing a server do not collide.
        name = database_url.rsplit("/", 1)[1].split("?")[0] + "_kinds"
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = database_url.rsplit("/", 1)[0] + f"/{name}"
    return url, db.make_engine(url)


def test_onboarding_answers_get_their_kind_and_category(engine, database_url, tmp_path):
    url, scratch = _scratch(engine, database_url, tmp_path)
    try:
        reset_schema(scratch)
        migrate.upgrade(url)
        now = datetime.now(UTC)
        with Session(scratch) as session:
            onboarding = SurveyProgram(
                name="Onboarding",
                kind="onboarding",
                triggers=[
                    {"milestone": "week1", "days_after_signup": 7, "question": "effort"},
                    {"milestone": "day30", "days_after_signup": 30, "question": "nps"},
                ],
            )
            relationship = SurveyProgram(name="Relationship", kind="nps")
            session.add_all([onboarding, relationship])
            session.flush()
            rows = [  # program, milestone, score, the old code's stored category
                (onboarding, "day30", 2, "detractor"),
                (onboarding, "day30", 9, "promoter"),
                (onboarding, "day30", 6, "detractor"),
                (onboarding, "week1", 2, "difficult"),
                (relationship, None, 3, "detractor"),
            ]
            for n, (program, milestone, score, category) in enumerate(rows):
                contact = Contact(email=f"c{n}@example.org")
                session.add(contact)
                session.flush()
                invitation = Invitation(
                    program_id=program.id,
                    contact_id=contact.id,
                    wave_key=f"w{n}",
                    milestone=milestone,
                    token_hash=f"t{n}".ljust(64, "0"),
                    reply_token_hash=f"r{n}".ljust(64, "0"),
                    created_at=now,
                    expires_at=now + timedelta(days=30),
                )
                session.add(invitation)
                session.flush()
                session.add(
                    Response(
                        invitation_id=invitation.id,
                        program_id=program.id,
                        contact_id=contact.id,
                        scale="effort" if milestone == "week1" else "nps",
                        score=score,
                        category=category,
                        status="confirmed",
                    )
                )
            session.commit()

        migrate.downgrade(url, f"{REVISION}-1")
        migrate.upgrade(url)

        with Session(scratch) as session:
            got = [
                (r.program_id, r.score, r.scale, r.category)
                for r in session.scalars(select(Response).order_by(Response.id))
            ]
            program = session.scalar(
                select(SurveyProgram).where(SurveyProgram.name == "Onboarding")
            )
            questions_asked = [t["question"] for t in program.triggers]
        ob, rel = 1, 2
        assert got == [
            (ob, 2, "closeness", "off_track"),
            (ob, 9, "closeness", "on_track"),
            (ob, 6, "closeness", "partway"),
            (ob, 2, "effort", "difficult"),
            (rel, 3, "nps", "detractor"),
        ]
        assert questions_asked == ["effort", "closeness"]
    finally:
        scratch.dispose()
