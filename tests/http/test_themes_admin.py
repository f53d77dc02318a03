"""Admin pages for themes and proposals: admin only, CSRF, validation that keeps what was typed,
and edits that mark a re-tag pending."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from feedback.models import AnalysisProgress, Theme, ThemeProposal
from feedback.services import taxonomy

PAGES = ["/admin/themes", "/admin/themes/new", "/admin/themes/proposals"]


@pytest.fixture
def admin(make_user, login):
    return login(make_user("admin"))


def _theme(session, key: str) -> Theme:
    return session.scalar(select(Theme).where(Theme.key == key))


def _pending(session) -> bool:
    session.expire_all()
    progress = session.get(AnalysisProgress, taxonomy.RETAG)
    return bool(progress and progress.pending)


@pytest.mark.parametrize("role", ["csm", "team_lead", "department_head"])
def test_only_admins_may_see_or_change_themes(client, make_user, login, session, role):
    taxonomy.load_taxonomy(session)
    session.commit()
    theme = _theme(session, "billing")
    login(make_user(role))
    for url in [*PAGES, f"/admin/themes/{theme.id}"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/admin/themes/{theme.id}", data={"name": "X"}).status_code == 403
    assert client.post("/admin/themes/proposals/1/dismiss").status_code == 403
    assert _theme(session, "billing").name == "Billing & pricing"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_list_shows_the_seeded_taxonomy_with_owners(admin, session, make_team, seed_defaults):
    make_team(name="Engineering", department="Engineering")
    seed_defaults()  # `flask seed-defaults`: the page itself never seeds
    page = admin.get("/admin/themes").get_data(as_text=True)
    for name in ("Billing &amp; pricing", "Reliability &amp; bugs", "Account management"):
        assert name in page
    assert "Engineering" in page
    assert 'href="/admin/themes"' in page  # the nav link for admins


def test_editing_keywords_saves_them_and_marks_a_retag_pending(admin, session, make_team):
    team = make_team(name="Platform", department="Engineering")
    taxonomy.load_taxonomy(session)
    session.commit()
    theme = _theme(session, "reliability")
    form = admin.get(f"/admin/themes/{theme.id}").get_data(as_text=True)
    assert "bug\nbuggy\ncrash" in form  # one per line
    response = admin.post(
        f"/admin/themes/{theme.id}",
        data={"name": "Reliability", "owner_team_id": str(team.id), "active": "on",
              "keywords": "crash\n\n  bug  \nCrash\nkeeps logging me out\n"},
    )  # fmt: skip
    assert response.status_code == 302
    session.expire_all()
    theme = _theme(session, "reliability")
    assert theme.keywords == ["crash", "bug", "keeps logging me out"]  # blanks and repeats gone
    assert (theme.name, theme.owner_team_id, theme.active) == ("Reliability", team.id, True)
    assert _pending(session)
    assert "Re-tagging pending" in admin.get("/admin/themes").get_data(as_text=True)


def test_invalid_input_gets_a_message_and_keeps_what_was_typed(admin, session):
    taxonomy.load_taxonomy(session)
    session.commit()
    theme = _theme(session, "billing")
    typed = "invoice\n" + "x" * 150 + "\n"
    response = admin.post(
        f"/admin/themes/{theme.id}",
        data={"name": "", "owner_team_id": "99999", "keywords": typed, "active": "on"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The theme was not saved" in page
    assert "Give the theme a name" in page
    assert "Choose one of the teams listed" in page
    assert "Line 2 is 150 characters" in page
    assert "x" * 150 in page  # the textarea still holds it
    session.expire_all()
    assert _theme(session, "billing").name == "Billing & pricing"
    assert not _pending(session)


def test_no_keywords_and_a_taken_name_are_refused(admin, session):
    taxonomy.load_taxonomy(session)
    session.commit()
    response = admin.post(
        "/admin/themes/new", data={"name": "support", "keywords": "  \n \n", "active": "on"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Another theme is already called “Support”" in page
    assert "Give at least one keyword" in page
    assert 'value="support"' in page


def test_a_new_theme_is_created(admin, session):
    response = admin.post(
        "/admin/themes/new",
        data={"name": "Mobile app", "keywords": "ios\nandroid\nmobile app", "active": "on"},
    )
    assert response.status_code == 302
    theme = _theme(session, "mobile_app")
    assert theme.keywords == ["ios", "android", "mobile app"] and theme.owner_team_id is None
    assert _pending(session)
    assert len(taxonomy.load_taxonomy(session).themes) == 11  # the defaults were kept


def test_an_unknown_theme_is_not_found(admin):
    assert admin.get("/admin/themes/999999").status_code == 404


def _proposal(session, phrase: str = "audit log") -> ThemeProposal:
    row = ThemeProposal(
        phrase=phrase, stems=phrase, count=4, examples=[f"We need an {phrase}."] * 2
    )
    session.add(row)
    session.commit()
    return row


def test_proposals_are_listed_with_counts_and_examples(admin, session):
    _proposal(session)
    page = admin.get("/admin/themes/proposals").get_data(as_text=True)
    assert "“audit log”" in page and "in 4 comments" in page
    assert "We need an audit log." in page


def test_accepting_a_proposal_creates_a_theme_owned_by_the_chosen_team(admin, session, make_team):
    team = make_team(name="Security", department="Engineering")
    proposal = _proposal(session)
    response = admin.post(
        f"/admin/themes/proposals/{proposal.id}/accept",
        data={"name": "Audit log", "owner_team_id": str(team.id)},
    )
    assert response.status_code == 302
    theme = _theme(session, "audit_log")
    assert theme.keywords == ["audit log"] and theme.owner_team_id == team.id
    session.expire_all()
    assert session.get(ThemeProposal, proposal.id).status == "accepted"
    assert _pending(session)
    assert "No proposals right now" in admin.get("/admin/themes/proposals").get_data(as_text=True)


def test_accepting_with_a_taken_name_keeps_the_choice_and_says_why(admin, session):
    proposal = _proposal(session)
    response = admin.post(
        f"/admin/themes/proposals/{proposal.id}/accept", data={"name": "Billing & pricing"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Another theme is already called" in page
    assert 'value="Billing &amp; pricing"' in page
    session.expire_all()
    assert session.get(ThemeProposal, proposal.id).status == "proposed"


def test_dismissing_a_proposal(admin, session):
    proposal = _proposal(session, "dark theme toggle")
    response = admin.post(f"/admin/themes/proposals/{proposal.id}/dismiss")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(ThemeProposal, proposal.id).status == "dismissed"
    page = admin.get("/admin/themes/proposals").get_data(as_text=True)
    assert "Dismissed" in page and "dark theme toggle (4)" in page
    again = admin.post(f"/admin/themes/proposals/{proposal.id}/dismiss", follow_redirects=True)
    assert "already dismissed" in again.get_data(as_text=True)
    assert admin.post("/admin/themes/proposals/999999/dismiss").status_code == 404


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    assert match, "form has no CSRF token"
    return match.group(1)


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_a_post_without_the_token_is_refused_and_with_it_accepted(self, client, make_user,
                                                                      session):  # fmt: skip
        from tests.conftest import PASSWORD

        user = make_user("admin")
        login_page = client.get("/login").get_data(as_text=True)
        token = _csrf(login_page)
        client.post("/login", data={"email": user.email, "password": PASSWORD,
                                    "csrf_token": token})  # fmt: skip
        data = {"name": "Mobile", "keywords": "ios", "active": "on"}
        assert client.post("/admin/themes/new", data=data).status_code == 400
        form = client.get("/admin/themes/new").get_data(as_text=True)
        token = _csrf(form)
        response = client.post("/admin/themes/new", data={**data, "csrf_token": token})
        assert response.status_code == 302
        assert session.scalar(select(Theme).where(Theme.name == "Mobile")) is not None
