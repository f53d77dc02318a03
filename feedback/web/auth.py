"""Staff sign-in and sign-out (Flask-Login sessions, Flask-WTF forms with CSRF).

A session names the user and the user's `session_epoch`; logout and a password change raise the
epoch, so every cookie signed before stops working at once, on every device (a cookie copied
before logout used to keep working). Failed sign-ins are limited per account and per client
address (`signin_guard`); a locked account's owner gets an unlock link through the outbox.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from feedback import db
from feedback.access import public, roles
from feedback.extensions import limiter
from feedback.roles import STAFF, Role
from feedback.services import org, password_reset
from feedback.services.errors import ServiceError
from feedback.web import signin_guard

bp = Blueprint("auth", __name__)
bp.record_once(lambda state: signin_guard.init_app(state.app))
login_manager = LoginManager()
login_manager.login_view = "auth.login"

UNLOCK_MAX_AGE = 24 * 3600
LOCKED = (
    "This account is locked after too many failed sign-ins. If it exists, an unlock link is on "
    "its way to its email address; otherwise try again in 15 minutes."
)
# With FEEDBACK_OIDC_REQUIRE_SSO only admins keep password sign-in: the way back in when the
# provider is down or misconfigured.
SSO_REQUIRED = "Staff sign in with single sign-on here; use “Sign in with {name}”."
ADDRESS_LIMITED = (
    "Too many failed sign-ins from your network address; wait 15 minutes and try again."
)


@login_manager.user_loader
def load_user(session_id: str) -> Any:
    """The user of a session cookie, only while its epoch is the user's current one."""
    return org.load_active_user(db.session(), session_id)


class ForgotForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])


class ResetForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField("New password again", validators=[DataRequired(), Length(max=200)])


SENT = (
    "If that address belongs to a staff account, a link to choose a new password is on its "
    "way; it works once, within an hour. Check your inbox (and spam folder)."
)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


def safe_next(target: str | None) -> str:
    """Only redirect within this site after login (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return url_for("home.index")


def _unlock_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="feedback.unlock")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        address = request.remote_addr or ""
        guard = signin_guard.guard()
        verdict = guard.check(email, address)
        if verdict.refused:
            flash(LOCKED if verdict.account_locked else ADDRESS_LIMITED, "error")
            return render_template("auth/login.html", form=form), 429
        session = db.session()
        user = org.authenticate(session, email, form.password.data or "")
        if (
            user is not None
            and current_app.config.get("OIDC_REQUIRE_SSO")
            and (user.role != Role.ADMIN)
        ):
            flash(SSO_REQUIRED.format(name=current_app.config["OIDC_PROVIDER_NAME"]), "error")
            return render_template("auth/login.html", form=form), 403
        if user is not None:
            guard.succeeded(email)
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
        if guard.failed(email, address):
            token = _unlock_serializer().dumps(email)
            link = url_for("auth.unlock", token=token, _external=True)
            with db.transaction() as tx:
                org.queue_unlock_email(tx, current_app.config, email, link)
            flash(LOCKED, "error")
            return render_template("auth/login.html", form=form), 429
        flash("That email and password do not match an active staff account.", "error")
        return render_template("auth/login.html", form=form), 401
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/login/unlock/<token>", methods=["GET", "POST"])
@public
def unlock(token: str):
    """The emailed link: GET shows a button (a GET never changes anything), POST unlocks."""
    try:
        email = _unlock_serializer().loads(token, max_age=UNLOCK_MAX_AGE)
    except BadSignature:
        message = "This unlock link is invalid or older than a day; sign in to get a new one."
        return render_template("error.html", status=410, message=message), 410
    if request.method == "POST":
        signin_guard.guard().unlock(str(email))
        flash("Your account is unlocked; sign in.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/unlock.html", email=email)


@bp.route("/logout", methods=["POST"])
@roles(*STAFF)
def logout():
    from feedback.services import org

    with db.transaction() as session:
        org.end_sessions(session, current_user.id)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


def _reset_limit() -> str:
    return str(current_app.config.get("PASSWORD_RESET_LIMIT") or "5 per hour")


def _typed_email() -> str:
    return "reset:" + (request.form.get("email") or "").strip().lower()


@bp.route("/login/forgot", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limit, methods=["POST"])  # per client address
@limiter.limit(_reset_limit, methods=["POST"], key_func=_typed_email)  # per typed address
def forgot():
    """Ask for a reset link: the same answer whether or not the address has an account."""
    form = ForgotForm()
    if form.validate_on_submit():
        with db.transaction() as session:
            password_reset.request_reset(
                session, current_app.config, form.email.data or "",
                lambda token: url_for("auth.reset", token=token, _external=True),
            )  # fmt: skip
        flash(SENT, "info")
        return redirect(url_for("auth.login"), code=303)
    status = 400 if form.errors else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
@public
def reset(token: str):
    """The emailed link: GET checks it and shows the form (changing nothing), POST sets it."""
    form = ResetForm()
    errors: dict[str, list[str]] = dict(form.errors)
    try:
        person = password_reset.check_link(db.session(), token)
        if form.validate_on_submit():
            with db.transaction() as session:
                password_reset.reset_password(
                    session, token, form.password.data or "", form.confirm.data or ""
                )
            flash("Your password is changed; sign in with it.", "success")
            return redirect(url_for("auth.login"), code=303)
        errors = dict(form.errors)
    except password_reset.LinkUnusable as exc:
        return render_template("error.html", status=exc.status, message=exc.message), exc.status
    except ServiceError as exc:
        errors = exc.fields or {"": [exc.message]}
    status = 422 if errors and request.method == "POST" else 200
    return render_template("auth/reset.html", form=form, errors=errors, person=person), status
