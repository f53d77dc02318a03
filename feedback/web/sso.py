"""Sign in with an OpenID Connect provider (Google Workspace, Microsoft Entra ID, Okta, ...).

Authlib does the protocol: discovery, the authorization-code redirect with state and nonce,
the token request, and the id_token's checks (RS256 signature against the provider's JWKS,
issuer, audience, expiry, nonce). The account is services/sso's decision. The routes answer
404 while SSO is not configured; the login page shows its button only when it is.
"""

from __future__ import annotations

from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
)
from flask_login import login_user

from feedback import db
from feedback.access import public
from feedback.services import sso
from feedback.web.auth import LoginForm, safe_next

bp = Blueprint("sso", __name__)
TIMEOUT_SECONDS = 10


def init_app(app: Flask) -> None:
    """Register the provider when FEEDBACK_OIDC_* are set (config.check made them complete)."""
    app.add_template_global(lambda: "feedback.oidc" in app.extensions, "sso_configured")
    if not app.config.get("OIDC_DISCOVERY_URL"):
        return
    oauth = OAuth(app)
    oauth.register(
        "oidc",
        server_metadata_url=app.config["OIDC_DISCOVERY_URL"],
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        client_kwargs={"scope": "openid email profile", "timeout": TIMEOUT_SECONDS},
    )
    app.extensions["feedback.oidc"] = oauth


def configured() -> bool:
    return "feedback.oidc" in current_app.extensions


def _client() -> Any:
    if not configured():
        abort(404)
    return current_app.extensions["feedback.oidc"].oidc


def _refused(message: str, status: int) -> Any:
    flash(message, "error")
    return render_template("auth/login.html", form=LoginForm()), status


def _callback_url() -> str:
    # The address registered at the provider: the public one, not whatever Host was used.
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/login/sso/callback"


@bp.get("/login/sso")
@public
def start() -> Any:
    client = _client()
    session["sso_next"] = safe_next(request.args.get("next"))
    try:
        return client.authorize_redirect(_callback_url())
    except (requests.RequestException, OAuthError, ValueError) as exc:
        current_app.logger.warning("OIDC provider unreachable at sign-in: %s", exc)
        return _refused(
            "The sign-in provider cannot be reached right now; try again in a minute.", 503
        )


@bp.get("/login/sso/callback")
@public
def callback() -> Any:
    client = _client()
    if request.args.get("error"):
        said = request.args.get("error_description") or request.args["error"]
        return _refused(f"The sign-in provider did not sign you in: {said[:300]}", 401)
    try:
        token = client.authorize_access_token()
    except OAuthError as exc:
        current_app.logger.warning("OIDC sign-in refused: %s", exc)
        return _refused(
            "Single sign-on did not complete (the answer from the provider could not be "
            "checked, or the sign-in was started in another window). Start again.",
            400,
        )
    except requests.RequestException as exc:
        current_app.logger.warning("OIDC token request failed: %s", exc)
        return _refused(
            "The sign-in provider cannot be reached right now; try again in a minute.", 503
        )
    claims = token.get("userinfo") or {}
    try:
        user = sso.user_for_claims(db.session(), claims)
    except sso.SignInRefused as exc:
        return _refused(exc.message, 403)
    login_user(user)
    return redirect(session.pop("sso_next", None) or safe_next(None))
