"""Post/redirect/get for a form that failed: the error and what was typed ride in the session.

A failed POST that answers with a page leaves the browser on the POST's URL, and a reload
offers to send the form again. So the view stores the failure here, redirects to the page the
form lives on, and that page's GET takes it back once (like a flashed message).

The session is a signed cookie and browsers drop cookies over ~4 KB, which a long reply can
exceed. `keep` refuses then, and the view answers the failed POST with the page itself as
before: one reload may offer to resend, but nothing typed is ever lost.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, session

KEY = "_failed_form"
COOKIE_BUDGET = 3800  # bytes of the whole session cookie; browsers keep up to 4096 per cookie


def once(message: str, fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each error said once, at its field: the first field named carries the service's message
    (it says what to do, "Write a reply before sending."), the others keep their own."""
    if not fields:
        return {}
    first, *rest = fields
    return {first: [message], **{name: fields[name] for name in rest}}


def keep(page: str, failed: str, errors: dict[str, list[str]], message: str,
         form: dict[str, Any]) -> bool:  # fmt: skip
    """Store the failure for `page` (a URL path); False when it would not fit in the cookie."""
    carried = {"page": page, "failed": failed, "errors": errors, "message": message, "form": form}
    trial = dict(session)
    trial[KEY] = carried
    serializer = current_app.session_interface.get_signing_serializer(current_app)  # type: ignore[attr-defined]
    if serializer is None or len(serializer.dumps(trial)) > COOKIE_BUDGET:
        return False
    session[KEY] = carried
    return True


def take(page: str) -> dict[str, Any] | None:
    """The failure stored for this page, once; a failure stored for another page is dropped."""
    carried = session.pop(KEY, None)
    if not isinstance(carried, dict) or carried.get("page") != page:
        return None
    return carried
