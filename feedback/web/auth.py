"""Staff sign-in and sign-out (Flask-Login sessions, Flask-WTF forms with CSRF)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from feedback import db
from feedback.extensions import limiter
from feedback.services import org
from feedback.web.access import STAFF, public, roles

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"


@login_manager.user_loader
def load_user(user_id: str) -> Any:
    return org.load_active_user(db.session(), user_id)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    """Only redirect within this site after login (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: _login_limit(), methods=["POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = org.authenticate(db.session(), form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash("That email and password do not match an active staff account.", "error")
        return render_template("auth/login.html", form=form), 401
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def _login_limit() -> str:
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/logout", methods=["POST"])
@roles(*STAFF)
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
