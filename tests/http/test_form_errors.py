"""Form errors as one macro renders them: each message sits beside its field under the id the
field's aria-describedby names, so a screen reader reads the message with the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _described_by_resolves(page: str) -> list[str]:
    """The aria-describedby targets on an error page; each must be an element's id there."""
    targets = re.findall(r'aria-describedby="([^"]+)"', page)
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    missing = [t for t in targets if t not in ids]
    assert missing == [], f"aria-describedby names no element: {missing}"
    return targets


@pytest.fixture
def admin(login, make_user):
    return login(make_user("admin"))


def test_program_errors_carry_the_ids_their_fields_name(admin):
    typed = {"name": "Onboarding", "kind": "onboarding", "cadence_days": "x",
             "content_fr_subject": "x" * 201, "milestone_name": "week1",
             "milestone_start": "days_after_signup", "milestone_value": "soon"}  # fmt: skip
    response = admin.post("/admin/programs/new", data=typed)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The program was not saved" in page
    targets = _described_by_resolves(page)
    assert {"content-error", "cadence_days-error", "triggers-error"} <= set(targets)
    assert re.search(r'<p class="field-error" id="content-error">fr: the subject is longer', page)
    assert re.search(r'<p class="field-error" id="triggers-error">Milestone &#39;week1&#39;', page)


def test_theme_errors_carry_the_ids_their_fields_name(admin, seed_defaults):
    response = admin.post(
        "/admin/themes/new", data={"name": "", "owner_team_id": "99999", "keywords": "a"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The theme was not saved" in page
    targets = _described_by_resolves(page)
    assert {"name-error", "owner_team_id-error"} <= set(targets)


def test_sign_in_errors_carry_the_ids_their_fields_name(client):
    response = client.post("/login", data={"email": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert {"email-error", "password-error"} <= set(_described_by_resolves(page))


def test_forms_use_the_shared_macros_and_emails_the_shared_layout():
    """No hand-written token input or error loop is left to drift from the macros."""
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(TEMPLATES))
        if name != "_forms.html":
            assert 'name="csrf_token"' not in text, f"{name}: use csrf_field()"
            assert not re.search(r'{% for \w+ in [^%]*errors[^%]*%}<p class="field-error"', text), (
                f"{name}: use field_errors()"
            )
        if name.startswith("email/") and name != "email/_layout.html":
            assert text.startswith('{% extends "email/_layout.html" %}'), name
