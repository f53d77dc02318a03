"""Staff users as the sign-in session sees them: only an active user is loaded."""

from __future__ import annotations

from feedback.services import org


def test_the_session_loads_only_an_active_user(session, make_user):
    user = make_user("csm")
    assert org.load_active_user(session, user.get_id()) is user
    user.active = False
    session.flush()
    assert org.load_active_user(session, user.get_id()) is None  # deactivated: signed out


def test_a_session_naming_no_user_loads_nobody(session, make_user):
    user = make_user("csm")
    assert org.load_active_user(session, "999999.0") is None
    assert org.load_active_user(session, str(user.id)) is None  # a cookie without its epoch
    assert org.load_active_user(session, "not-a-number") is None
