"""Fifty concurrent clicks on one token make one response (PostgreSQL: real concurrency)."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from feedback.models import (
    Contact,
    Invitation,
    Message,
    OutboxEmail,
    Response,
    ScoreChange,
    SurveyProgram,
)
from feedback.services import capture, invitations, programs

pytestmark = pytest.mark.skipif(
    not os.environ.get("FEEDBACK_TEST_DATABASE_URL"),
    reason="needs PostgreSQL (FEEDBACK_TEST_DATABASE_URL); runs in the PostgreSQL pass",
)
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Mobile Safari/604.1"


def test_fifty_concurrent_clicks_make_one_response(engine, database_url):
    from tests.conftest import make_app

    app = make_app(database_url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with app.app_context(), factory() as session:
        program = programs.create_program(
            session, {"name": "Concurrency NPS", "kind": "nps", "product_name": "Acme"}
        )
        contact = Contact(email="race@customer.example", attributes={})
        session.add(contact)
        session.flush()
        result = invitations.invite_now(session, app.config, program.id, [contact.email])[0]
        invitation_id = result["invitation_id"]
        token = (
            session.scalars(select(OutboxEmail).where(OutboxEmail.invitation_id == invitation_id))
            .first()
            .substitutions["%%token%%"]
        )
        session.commit()
    try:
        barrier = threading.Barrier(50)
        errors: list[BaseException] = []

        def click(score: int) -> None:
            with factory() as session:
                barrier.wait()
                try:
                    capture.record_click(
                        session, token, score, user_agent=PHONE, headers={}, now=datetime.now(UTC)
                    )
                    session.commit()
                except BaseException as exc:
                    errors.append(exc)

        threads = [threading.Thread(target=click, args=(9,)) for _ in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        with factory() as session:
            count = session.scalar(
                select(func.count())
                .select_from(Response)
                .where(Response.invitation_id == invitation_id)
            )
            hits = session.scalar(
                select(func.count())
                .select_from(ScoreChange)
                .where(ScoreChange.invitation_id == invitation_id)
            )
            assert count == 1
            assert hits == 50  # every hit kept as evidence
    finally:
        with factory() as session:
            for model in (ScoreChange, Message, Response, OutboxEmail):
                session.execute(delete(model).where(model.invitation_id == invitation_id))
            session.execute(delete(Invitation).where(Invitation.id == invitation_id))
            session.execute(delete(Contact).where(Contact.email == "race@customer.example"))
            session.execute(delete(SurveyProgram).where(SurveyProgram.name == "Concurrency NPS"))
            session.commit()
