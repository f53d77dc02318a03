"""Admin pages for survey programs: list, create and edit (errors keep what was typed),
send now, and the outbox page with the provider's words for failed emails."""

from __future__ import annotations

import html
from typing import Any

import pytest
from sqlalchemy import select

from feedback.mail.backends import SendGridBackend
from feedback.models import OutboxEmail, SurveyProgram
from feedback.services import invitations, programs
from feedback.services.delivery import deliver_due
from tests.fakes.sendgrid_server import FakeSendGrid


def form(**fields: Any) -> dict[str, str]:
    """The program form as a browser posts it."""
    data = {
        "name": "Quarterly NPS", "kind": "nps", "active": "on", "product_name": "Acme",
        "sender_name": "Ada at Acme", "priority": "100", "cadence_days": "90",
        "fatigue_days": "30", "sample_percent": "100", "daily_cap": "", "reminder_after_days": "3",
        "response_window_days": "30", "audience_plan": "", "audience_region": "",
        "audience_lifecycle_stage": "", "review_url": "", "action": "save",
    }  # fmt: skip
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def milestones(*rows: tuple[str, str, str, str]) -> dict[str, list[str]]:
    """Milestone rows as the editor posts them: (name, starts, days or event, question)."""
    return {
        "milestone_name": [r[0] for r in rows],
        "milestone_start": [r[1] for r in rows],
        "milestone_value": [r[2] for r in rows],
        "milestone_days_after": ["" for _ in rows],
        "milestone_question": [r[3] for r in rows],
    }


@pytest.fixture
def admin(login, make_user):
    return login(make_user("admin"))


def page(response, status: int = 200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return html.unescape(response.get_data(as_text=True))


def test_programs_are_admin_only(client, login, make_user):
    assert client.get("/admin/programs").status_code in (302, 401)
    login(make_user("csm"))
    assert client.get("/admin/programs").status_code == 403
    assert client.get("/admin/programs/new").status_code == 403
    assert client.post("/admin/programs/new", data=form()).status_code == 403
    assert client.get("/admin/outbox").status_code == 403


def test_create_then_list_then_edit(admin, session):
    assert "No programs yet" in page(admin.get("/admin/programs"))
    new = page(admin.get("/admin/programs/new"))
    assert "New survey program" in new and 'value="90"' in new

    response = admin.post(
        "/admin/programs/new", data=form(audience_plan="growth, enterprise", daily_cap="500")
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    program = session.scalars(select(SurveyProgram)).one()
    assert response.headers["Location"].endswith(f"/admin/programs/{program.id}")
    assert (program.kind, program.active, program.daily_cap, program.audience) == (
        "nps", True, 500, {"plan": ["growth", "enterprise"]})  # fmt: skip

    listing = page(admin.get("/admin/programs"))
    assert "Quarterly NPS" in listing and "every 90 days" in listing and "Active" in listing

    edit = page(admin.get(f"/admin/programs/{program.id}"))
    assert 'value="Quarterly NPS"' in edit and 'value="growth, enterprise"' in edit
    assert "Send now" in edit
    response = admin.post(
        f"/admin/programs/{program.id}", data=form(cadence_days="120", active=None, daily_cap="")
    )
    assert response.status_code == 302
    session.expire_all()
    assert (program.cadence_days, program.active, program.daily_cap) == (120, False, None)
    assert "Paused" in page(admin.get("/admin/programs"))


def test_no_reminder_when_left_empty(admin, session):
    assert admin.post("/admin/programs/new", data=form(reminder_after_days="")).status_code == 302
    assert session.scalars(select(SurveyProgram)).one().reminder_after_days is None


@pytest.mark.parametrize(
    ("fields", "messages"),
    [
        ({"cadence_days": "every quarter"}, ["'every quarter' is not a whole number."]),
        ({"content_fr_subject": "x" * 201}, ["fr: the subject is longer than 200 characters."]),
        ({"name": "", "cadence_days": "0"}, ["Required.", "A whole number from 1 to 3650."]),
        ({"kind": "onboarding", **milestones(("week1", "days_after_signup", "a week", "effort"))},
         ["Milestone 'week1': 'a week' is not a whole number of days."]),
        ({"kind": "onboarding"}, ["An onboarding program needs at least one milestone."]),
        ({"audience_region": "Atlantis"}, ["No account is in region 'Atlantis'"]),
        ({"review_url": "ftp://example.com"}, ["Must be an http(s) link"]),
    ],
)  # fmt: skip
def test_create_with_errors_is_422_and_keeps_what_was_typed(admin, session, fields, messages):
    typed = form(product_name="Acme Cloud “Pro”", sender_name="Grace <cs>", **fields)
    body = page(admin.post("/admin/programs/new", data=typed), 422)
    assert "The program was not saved" in body
    for message in messages:
        assert message in body
    assert 'value="Acme Cloud “Pro”"' in body and 'value="Grace <cs>"' in body
    for key in ("cadence_days", "review_url"):
        if key in fields:
            assert f'value="{fields[key]}"' in body
    if "content_fr_subject" in fields:
        assert fields["content_fr_subject"] in body
    assert session.scalars(select(SurveyProgram)).all() == []


def test_a_duplicate_name_is_422_on_the_page(admin, session):
    admin.post("/admin/programs/new", data=form())
    body = page(admin.post("/admin/programs/new", data=form(name="quarterly nps")), 422)
    assert "Already exists." in body
    assert len(session.scalars(select(SurveyProgram)).all()) == 1


def test_send_now_shows_a_result_per_contact(admin, session, make_contact):
    admin.post("/admin/programs/new", data=form())
    program = session.scalars(select(SurveyProgram)).one()
    fresh = make_contact(timezone="Pacific/Auckland")
    gone = make_contact(bounced=True)
    emails = f"{fresh.email}\n{gone.email}, nobody@example.org\n\n"
    body = page(admin.post(f"/admin/programs/{program.id}/send-now", data={"emails": emails}))
    rows = body.split("<tr>")[2:]
    assert len(rows) == 3
    assert fresh.email in rows[0] and "Invited" in rows[0] and "Queued for sending now." in rows[0]
    assert gone.email in rows[1] and "Not invited" in rows[1] and "bounced" in rows[1]
    assert "nobody@example.org" in rows[2] and "add it first" in rows[2]
    queued = session.scalars(select(OutboxEmail).filter_by(kind="invitation")).all()
    assert [e.to_email for e in queued] == [fresh.email]


def test_send_now_without_emails_says_so(admin, session):
    admin.post("/admin/programs/new", data=form())
    program = session.scalars(select(SurveyProgram)).one()
    response = admin.post(f"/admin/programs/{program.id}/send-now", data={"emails": "  "})
    assert response.status_code == 302
    assert "Enter at least one contact email" in page(admin.get(response.headers["Location"]))


def test_unknown_program_page_is_404(admin):
    assert admin.get("/admin/programs/999999").status_code == 404


def test_the_outbox_shows_failed_emails_with_the_providers_message(
    admin, app, session, make_contact
):
    # A sender address SendGrid refuses: every email of the batch fails for good (HTTP 400).
    app.config["MAIL_FROM"] = "Customer Success <cs-at-example>"
    program = programs.create_program(
        session, {"name": "Bad sender", "kind": "nps", "product_name": "Acme"}
    )
    person = make_contact()
    invitations.invite_now(session, app.config, program.id, [person.email])
    session.commit()
    with FakeSendGrid(api_key="SG.admin") as fake:
        backend = SendGridBackend("SG.admin", fake.url, timeout=2)
        stats = deliver_due(app.extensions["feedback.db"].sessionmaker, backend, worker_id="t")
    assert stats.failed == 1
    body = page(admin.get("/admin/outbox"))
    assert person.email in body
    assert "SendGrid HTTP 400: The from email does not contain a valid address." in body
    assert "(field: from.email)" in body
    assert "<dt>Failed</dt><dd>1</dd>" in body and "<dt>Held</dt><dd>1</dd>" in body
