"""Two processes storing the same email content at the same moment (two web processes inviting
contacts of one program): the second waits for the first and shares its row, instead of
failing on the unique fingerprint (which answered 409 to one of two webs).

PostgreSQL pass only: SQLite has one writer, so the two transactions cannot overlap; the rows
are committed for real (tests/committed.py).
"""

from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from feedback.mail.render import RenderedEmail
from feedback.models import EmailContent
from feedback.services.outbox import content_for

pytestmark = pytest.mark.skipif(
    not os.environ.get("FEEDBACK_TEST_DATABASE_URL"),
    reason="needs PostgreSQL (FEEDBACK_TEST_DATABASE_URL): two overlapping transactions",
)


def test_the_same_content_stored_by_two_transactions_at_once_is_one_row(engine, committed):
    subject = f"Race {time.time_ns()}"
    email = RenderedEmail(from_email="cs@example.com", from_name="CS", reply_to=None,
                          subject=subject, html="<p>Hi</p>", text="Hi")  # fmt: skip
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    first, second = factory(), factory()
    try:
        mine = content_for(first, email)  # inserted, not committed: holds the unique key
        theirs: list[int] = []
        racer = threading.Thread(target=lambda: theirs.append(content_for(second, email).id))
        racer.start()
        racer.join(timeout=1)
        assert racer.is_alive()  # waiting on the first transaction's row, not failing
        first.commit()
        racer.join(timeout=30)
        second.commit()
    finally:
        first.close()
        second.close()
    assert theirs == [mine.id]
    rows = committed.scalars(select(EmailContent.id).where(EmailContent.subject == email.subject))
    assert list(rows) == [mine.id]
