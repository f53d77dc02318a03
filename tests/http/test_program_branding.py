"""Branding per program: set in the editor (every bad value reported at once), then used by
the email as sent, the survey page and the thank-you page, under the strict policy."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from feedback.mail.addresses import bare_address
from feedback.models import OutboxEmail, SurveyProgram
from feedback.services import invitations, program_preview, programs
from feedback.web.security import CONTENT_SECURITY_POLICY
from tests.http.api_helpers import error
from tests.http.test_admin_programs import form

LOGO = "https://cdn.example.com/acme/logo.png"
BRAND = {
    "sender_email": "CS@Acme.example",
    "logo_url": LOGO,
    "accent_color": "#B42318",
    "footer_text": "Acme GmbH · Hauptstraße 1 · Berlin",
}


@pytest.fixture
def admin(login, make_user):
    return login(make_user("admin"))


def page(response, status: int = 200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return html.unescape(response.get_data(as_text=True))


def test_branding_is_saved_from_the_editor_and_shown_again(admin, session):
    response = admin.post("/admin/programs/new", data=form(**BRAND))
    assert response.status_code == 302, response.get_data(as_text=True)
    program = session.scalars(select(SurveyProgram)).one()
    assert (program.sender_email, program.logo_url, program.accent_color, program.footer_text) == (
        "cs@acme.example", LOGO, "#b42318", BRAND["footer_text"])  # fmt: skip
    body = page(admin.get(f"/admin/programs/{program.id}"))
    assert f'value="{LOGO}"' in body and 'value="#b42318"' in body
    assert f">{BRAND['footer_text']}</textarea>" in body
    # Emptied fields go back to the defaults.
    blank = {key: "" for key in BRAND}
    assert admin.post(f"/admin/programs/{program.id}", data=form(**blank)).status_code == 302
    session.expire_all()
    assert (program.sender_email, program.logo_url, program.accent_color) == (None, None, None)


def test_every_bad_branding_value_is_reported_at_once(admin, session):
    bad = {"sender_email": "not an address", "logo_url": "http://cdn.example.com/logo.png",
           "accent_color": "#ffee00", "footer_text": "x" * 1001}  # fmt: skip
    body = page(admin.post("/admin/programs/new", data=form(**bad)), 422)
    assert "'not an address' is not a valid email address" in body
    assert "Must be an https link to an image" in body
    assert "#ffee00 is too light: white text on it has a contrast of" in body
    assert "Text of at most 1000 characters." in body
    assert session.scalars(select(SurveyProgram)).all() == []


def test_the_api_takes_branding_with_the_same_checks(client, api_headers):
    headers = api_headers("admin")
    body = {"name": "API NPS", "kind": "nps", "product_name": "Acme", "accent_color": "red"}
    response = client.post("/api/v1/programs", json=body, headers=headers)
    assert "accent_color" in error(response, 422)["fields"]
    response = client.post("/api/v1/programs", json={**body, **BRAND}, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["accent_color"] == "#b42318"


@pytest.fixture
def branded(app, session, make_contact):
    program = programs.create_program(
        session, {"name": "Branded", "kind": "nps", "product_name": "Acme", **BRAND}
    )
    person = make_contact(name="Grace Hopper")
    [result] = invitations.invite_now(session, app.config, program.id, [person.email])
    session.commit()
    email = session.scalars(
        select(OutboxEmail).filter_by(invitation_id=result["invitation_id"], kind="invitation")
    ).one()
    return program, email


def test_the_email_as_sent_carries_the_branding(branded):
    program, email = branded
    content = email.content
    assert content.from_email == "cs@acme.example"
    assert f'<img src="{LOGO}"' in content.html
    assert "border:1px solid #b42318" in content.html and "color:#b42318" in content.html
    assert BRAND["footer_text"] in html.unescape(content.html)
    assert BRAND["footer_text"] in content.text


def test_the_survey_and_thank_you_pages_carry_the_branding(client, branded):
    program, email = branded
    token = email.substitutions["%%token%%"]
    for url in (f"/r/{token}", f"/r/{token}/thanks"):
        response = client.get(url)
        body = page(response)
        assert f'<img class="brand-logo" src="{LOGO}"' in body
        assert f"/r/brand/{program.id}.css?v=b42318" in body
        assert BRAND["footer_text"] in body and 'style="' not in body
        policy = response.headers["Content-Security-Policy"]
        assert "img-src 'self' data: https://cdn.example.com;" in policy
        assert "style-src 'self';" in policy and "frame-ancestors 'none'" in policy
    css = client.get(f"/r/brand/{program.id}.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert css.get_data(as_text=True) == ":root { --accent: #b42318; }\n"
    assert client.get("/r/brand/999999.css").status_code == 404


def test_an_unbranded_page_keeps_the_strict_policy(app, client, session, make_contact):
    program = programs.create_program(
        session, {"name": "Plain", "kind": "nps", "product_name": "Acme"}
    )
    person = make_contact()
    [result] = invitations.invite_now(session, app.config, program.id, [person.email])
    session.commit()
    email = session.scalars(select(OutboxEmail).filter_by(invitation_id=result["invitation_id"],
                                                          kind="invitation")).one()  # fmt: skip
    response = client.get(f"/r/{email.substitutions['%%token%%']}")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    body = page(response)
    assert "brand-logo" not in body and "/r/brand/" not in body
    assert email.content.from_email == bare_address(app.config["MAIL_FROM"])


def test_the_preview_shows_the_branding(admin, app, branded):
    program, _ = branded
    email = page(admin.get(f"/admin/programs/{program.id}/preview/de/email"))
    assert f'<img src="{LOGO}"' in email and BRAND["footer_text"] in email
    survey = admin.get(f"/admin/programs/{program.id}/preview/de/survey")
    assert (
        "img-src 'self' data: https://cdn.example.com;"
        in (survey.headers["Content-Security-Policy"])
    )
    assert "frame-ancestors 'self'" in survey.headers["Content-Security-Policy"]
    with app.test_request_context():
        assert program_preview.preview_email(program, "de", app.config).from_email == (
            "cs@acme.example"
        )
