"""A person with something of everything, for the privacy tests (export and erasure): two
answers with comments, a thread with a reply email, a personal and a shared outbox email, a
task with notes and a resolution check, a backlog link, a theme proposal quoting them, provider
events, a lifecycle event and an unmatched reply; and a bystander who must not be touched.

A pytest plugin (tests/conftest.py lists it): the `erasable` fixture is there for every module.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from feedback.db import Base
from feedback.models import (
    BacklogItem,
    BacklogResponse,
    Contact,
    CsvImport,
    EmailContent,
    EmailEvent,
    InboundEmail,
    LifecycleEvent,
    Message,
    OutboxEmail,
    ResolutionCheck,
    TaskEvent,
    ThemeProposal,
    UnmatchedReply,
    WebhookDelivery,
    WebhookEndpoint,
)
from feedback.tokens import hash_token, new_token
from tests.builders import add_task
from tests.followup_world import NOW

EMAIL = "jane.roe@megacorp.example"
NAME = "Jane Roe"
COMMENT = "Invoices are wrong again, call me on +49 30 1234567"
REPLY = "Still broken. My direct line is +49 30 7654321, ask for Jane."
# Strings that identify Jane or carry her words; none may be left anywhere after an erasure.
TRACES = ("jane", "roe", "1234567", "7654321", "invoices are wrong")


@pytest.fixture
def erasable(session, world, respond):
    """Jane (MegaCorp) with a detractor and a promoter answer and everything around them."""
    jane = Contact(
        email=EMAIL, name=NAME, account_id=world.mega.id, attributes={"phone": "1234567"}
    )
    bystander = Contact(email="max@megacorp.example", name="Max Muster", account_id=world.mega.id)
    session.add_all([jane, bystander])
    session.flush()
    low = respond(3, contact=jane, comment=COMMENT)
    high = respond(10, contact=jane, comment="Jane loves the new dashboard")
    other = respond(4, contact=bystander, comment="Max thinks invoices are late")
    reply = Message(invitation_id=low.invitation_id, direction="inbound", kind="reply",
                    channel="reply", body=REPLY, created_at=NOW)  # fmt: skip
    session.add(reply)
    session.flush()
    session.add(
        InboundEmail(message_id=reply.id, invitation_id=low.invitation_id, from_email=EMAIL,
                     to_email="reply+abc@inbound.example.com", subject="Re: Jane's invoice",
                     text=REPLY, html=f"<p>{REPLY}</p>", headers=f"From: {NAME} <{EMAIL}>",
                     attachments=[{"filename": "jane-invoice.pdf", "size": 1200}],
                     email_message_id="<jane-1@megacorp.example>")
    )  # fmt: skip
    personal = EmailContent(fingerprint=f"personal-{new_token()}"[:64], from_email="a@acme.example",
                            from_name="Ann", subject="Your invoice, Jane",
                            html=f"<p>Hi Jane</p><blockquote>{REPLY}</blockquote>",
                            text=f"Hi Jane\n> {REPLY}")  # fmt: skip
    shared = EmailContent(fingerprint=f"shared-{new_token()}"[:64], from_email="cs@acme.example",
                          from_name="Acme", subject="How are we doing?", html="<p>Hi {{name}}</p>",
                          text="Hi {{name}}")  # fmt: skip
    session.add_all([personal, shared])
    session.flush()
    sent = OutboxEmail(kind="reply", content_id=personal.id, invitation_id=low.invitation_id,
                       contact_id=jane.id, to_email=EMAIL, to_name=NAME, status="sent",
                       substitutions={"name": NAME}, sent_at=NOW)  # fmt: skip
    waiting = OutboxEmail(kind="reminder", content_id=shared.id, invitation_id=high.invitation_id,
                          contact_id=jane.id, to_email=EMAIL, to_name=NAME, status="held",
                          substitutions={"name": NAME})  # fmt: skip
    theirs = OutboxEmail(kind="reminder", content_id=shared.id, invitation_id=other.invitation_id,
                         contact_id=bystander.id, to_email=bystander.email, status="held",
                         substitutions={"name": "Max Muster"})  # fmt: skip
    session.add_all([sent, waiting, theirs])
    session.flush()
    session.add_all([
        EmailEvent(source="webhook", event="open", email=EMAIL, contact_id=jane.id,
                   outbox_email_id=sent.id, occurred_at=NOW, raw={"email": EMAIL}),
        LifecycleEvent(contact_id=jane.id, name="renewal", occurred_at=NOW,
                       properties={"signed_by": NAME}),
        UnmatchedReply(from_email=EMAIL, subject="Jane again", text=REPLY, reason="no_token"),
        ThemeProposal(phrase="invoices wrong", stems="invoic wrong", count=2,
                      examples=[COMMENT, "Max thinks invoices are late"]),
        # The CSV an admin uploaded from the browser keeps its lines, Jane's among them.
        CsvImport(kind="contacts", filename="megacorp.csv", status="done",
                  content=f"email,name\n{EMAIL.upper()},{NAME}\nmax@megacorp.example,Max Muster\n",
                  mapping=["email", "name"]),
    ])  # fmt: skip
    task = add_task(session, owner=world.ann, response=low,
                    title=f"Recover: {NAME} (MegaCorp) scored 3",
                    resolution_note=f"Called {NAME} at 1234567")  # fmt: skip
    session.add_all([
        TaskEvent(task_id=task.id, kind="note", actor_user_id=world.ann.id,
                  body=f"{NAME} says the invoice is wrong"),
        TaskEvent(task_id=task.id, kind="status", actor_user_id=world.ann.id,
                  from_value="open", to_value="contacted"),
        ResolutionCheck(task_id=task.id, token_hash=hash_token(new_token()), answer="no",
                        comment="No, Jane is still waiting",
                        send_at=NOW, sent_at=NOW, answered_at=NOW + timedelta(days=3)),
    ])  # fmt: skip
    hook = WebhookEndpoint(url="https://crm.example/hook", secret="s", event_types=["*"])
    session.add(hook)
    session.flush()
    session.add_all([
        WebhookDelivery(endpoint_id=hook.id, event_type="response.created", status="delivered",
                        payload={"response_id": low.id, "invitation_id": low.invitation_id,
                                 "contact_email": EMAIL, "score": 3, "comment": COMMENT}),
        WebhookDelivery(endpoint_id=hook.id, event_type="reply.received", status="pending",
                        payload={"invitation_id": low.invitation_id, "contact_id": jane.id,
                                 "from": EMAIL, "subject": "Re: Jane's invoice", "text": REPLY}),
        WebhookDelivery(endpoint_id=hook.id, event_type="task.created", status="pending",
                        payload={"id": task.id, "title": task.title, "contact_id": None}),
        WebhookDelivery(endpoint_id=hook.id, event_type="response.created", status="pending",
                        payload={"response_id": other.id, "contact_email": bystander.email,
                                 "comment": "Max thinks invoices are late"}),
    ])  # fmt: skip
    item = BacklogItem(title="Invoice totals", department="Finance", status="accepted")
    session.add(item)
    session.flush()
    session.add(BacklogResponse(item_id=item.id, response_id=low.id))
    session.commit()
    return SimpleNamespace(
        jane=jane, bystander=bystander, low=low, high=high, other=other, task=task, item=item,
        sent=sent, waiting=waiting, theirs=theirs,
    )  # fmt: skip


def traces_left(session) -> list[str]:
    """Every (table, column, value) in the database that still mentions Jane."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).mappings():
            for column, value in row.items():
                text = str(value).lower()
                hits = [t for t in TRACES if t in text]
                if hits:
                    found.append(f"{table.name}.{column}: {hits} in {str(value)[:80]!r}")
    return found
