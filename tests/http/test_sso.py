"""Single sign-on with OpenID Connect against a local fake provider (tests/fakes): the whole
code flow with an RS256 id_token, users matched by verified email, an unverified email or an
unknown person refused with a message, and the setting that requires SSO."""

from __future__ import annotations

import html

import pytest
import requests

from tests.conftest import PASSWORD
from tests.fakes.oidc_provider import FakeOidcProvider


@pytest.fixture
def provider():
    with FakeOidcProvider() as fake:
        yield fake


@pytest.fixture
def app_config(provider):
    return {
        "OIDC_DISCOVERY_URL": provider.discovery_url,
        "OIDC_CLIENT_ID": provider.client_id,
        "OIDC_CLIENT_SECRET": provider.client_secret,
        "OIDC_PROVIDER_NAME": "Okta",
    }


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def sign_in(app, client, provider, next_path: str | None = None, **claims):
    """Through the provider as a browser would: our redirect, its redirect back, our callback."""
    provider.next_claims = claims
    start = client.get("/login/sso" + (f"?next={next_path}" if next_path else ""))
    assert start.status_code == 302, text(start)
    assert start.headers["Location"].startswith(f"{provider.url}/authorize?")
    back = requests.get(start.headers["Location"], allow_redirects=False, timeout=5)
    assert back.status_code == 302
    callback = back.headers["Location"]
    assert callback.startswith(app.config["PUBLIC_URL"] + "/login/sso/callback?")
    return client.get(callback.removeprefix(app.config["PUBLIC_URL"]))


def test_the_login_page_offers_sso_when_configured(client):
    page = text(client.get("/login"))
    assert "Sign in with Okta" in page and 'href="/login/sso' in page


def test_a_verified_email_signs_in_its_active_user(app, client, provider, make_user):
    user = make_user("csm", email="casey@staff.example.com")
    answer = sign_in(app, client, provider, next_path="/queue/team",
                     email="Casey@Staff.example.com", email_verified=True)  # fmt: skip
    assert answer.status_code == 302, text(answer)
    assert answer.headers["Location"].endswith("/queue/team")
    page = client.get("/queue")
    assert page.status_code == 200 and user.name in text(page)
    assert provider.token_requests == 1


def test_an_unverified_email_is_refused_with_a_message(app, client, provider, make_user):
    make_user("csm", email="casey@staff.example.com")
    answer = sign_in(app, client, provider, email="casey@staff.example.com", email_verified=False)
    assert answer.status_code == 403
    assert "has not verified the address casey@staff.example.com" in text(answer)
    assert client.get("/queue").status_code in (302, 401)
    answer = sign_in(app, client, provider, email="casey@staff.example.com")  # no claim at all
    assert answer.status_code == 403


def test_an_unknown_or_deactivated_person_is_refused(app, client, provider, make_user, session):
    answer = sign_in(app, client, provider, email="stranger@x.example", email_verified=True)
    assert answer.status_code == 403
    assert "stranger@x.example is not an active staff account here" in text(answer)
    gone = make_user("csm", email="gone@staff.example.com")
    gone.active = False
    session.commit()
    answer = sign_in(app, client, provider, email="gone@staff.example.com", email_verified=True)
    assert answer.status_code == 403


def test_a_forged_or_replayed_answer_is_refused(app, client, provider, make_user):
    make_user("csm", email="casey@staff.example.com")
    provider.next_claims = {"email": "casey@staff.example.com", "email_verified": True}
    start = client.get("/login/sso")
    back = requests.get(start.headers["Location"], allow_redirects=False, timeout=5)
    callback = back.headers["Location"].removeprefix(app.config["PUBLIC_URL"])
    forged = callback.replace("state=", "state=x")
    assert client.get(forged).status_code == 400  # a state this browser did not start
    assert client.get(callback).status_code == 302
    client.post("/logout")
    assert client.get(callback).status_code == 400  # the code and state are good once
    denied = client.get("/login/sso/callback?error=access_denied&error_description=No+way")
    assert denied.status_code == 401 and "did not sign you in: No way" in text(denied)


class TestRequired:
    @pytest.fixture
    def app_config(self, provider):
        return {
            "OIDC_DISCOVERY_URL": provider.discovery_url,
            "OIDC_CLIENT_ID": provider.client_id,
            "OIDC_CLIENT_SECRET": provider.client_secret,
            "OIDC_REQUIRE_SSO": True,
        }

    def test_password_sign_in_is_refused_for_staff_but_not_admins(
        self, app, client, provider, make_user
    ):
        csm = make_user("csm")
        answer = client.post("/login", data={"email": csm.email, "password": PASSWORD})
        assert answer.status_code == 403
        assert "Staff sign in with single sign-on here; use “Sign in with SSO”." in text(answer)
        assert client.get("/queue").status_code in (302, 401)
        # ... while SSO signs the same person in.
        answer = sign_in(app, client, provider, email=csm.email, email_verified=True)
        assert answer.status_code == 302
        client.post("/logout")
        admin = make_user("admin")
        answer = client.post("/login", data={"email": admin.email, "password": PASSWORD})
        assert answer.status_code == 302  # the way in when the provider is down


def test_without_sso_there_is_no_button_and_no_route(database_url, engine):
    from tests.conftest import make_app

    plain = make_app(database_url).test_client()
    assert "Sign in with" not in text(plain.get("/login"))
    assert plain.get("/login/sso").status_code == 404
    assert plain.get("/login/sso/callback?code=x&state=y").status_code == 404
