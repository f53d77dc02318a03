"""Property tests (hypothesis) on everything an anonymous client can reach.

Random strings (control characters, huge numbers, odd Unicode) into every public URL, its
query string and its form; random multipart bodies into the Inbound Parse webhook. Whatever
is sent: no 5xx, and a refused post (4xx) stores nothing. An authenticated inbound post that
carries a message (an envelope and a sender) is never refused: SendGrid would drop it.
"""

from __future__ import annotations

import io
import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from feedback.access import PUBLIC, access_rule
from feedback.models import (
    EmailEvent,
    InboundEmail,
    Message,
    OutboxEmail,
    Response,
    UnmatchedReply,
)
from tests.builders import DOMAIN, SECRET

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))  # fmt: skip
STORED = (Response, Message, InboundEmail, UnmatchedReply, EmailEvent, OutboxEmail)
FORM_FIELDS = ["score", "comment", "phone", "best_time", "name", "email", "password",
               "action", "reason", "note", "csrf_token"]  # fmt: skip
# Anything, NUL and other control characters included, plus numbers beyond every column.
anything = st.one_of(
    st.text(max_size=60),
    st.text(max_size=20).map(lambda s: s + "\x00"),
    st.text(alphabet=st.characters(max_codepoint=0x20), max_size=10),
    st.integers().map(str),
    st.sampled_from(["", "0", "-1", "10", str(2**31), str(2**64), "1e309", "NaN", "%00"]),
)


def _counts(session) -> dict[str, int]:
    session.rollback()  # see the other requests' writes, not a stale snapshot
    return {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in STORED}


def _public_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("inbound."):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if access_rule(app, rule.endpoint, method) == PUBLIC:
                routes.append((method, rule.rule))
    return routes


def _fill(rule: str, values: list[str]) -> str:
    """The rule with each <converter:name> replaced by the next value (URL-quoted)."""
    from urllib.parse import quote

    parts = iter(values)
    return re.sub(r"<[^>]+>", lambda _m: quote(next(parts, "x"), safe="") or "x", rule)


def test_public_urls_and_forms_never_answer_5xx(app, client, session, survey_link):
    token, _ = survey_link()
    routes = _public_routes(app)
    assert len(routes) > 15
    path_value = st.one_of(st.just(token), st.just(token), anything)

    @settings(SETTINGS, max_examples=200)
    @given(
        route=st.sampled_from(routes),
        path=st.lists(path_value, min_size=2, max_size=2),
        query=st.dictionaries(
            st.sampled_from(["page", "score", "next", "lang", "q"]), anything, max_size=3
        ),  # fmt: skip
        form=st.dictionaries(st.sampled_from(FORM_FIELDS), anything, max_size=5),
    )
    def run(route, path, query, form):
        method, rule = route
        before = _counts(session)
        url = _fill(rule, path)
        if method == "GET":
            response = client.get(url, query_string=query)
        else:
            response = client.post(url, query_string=query, data=form)
        # /readyz says 503 by design while no worker beats (the test has none): not an error.
        not_ready = rule == "/readyz" and response.status_code == 503
        assert response.status_code < 500 or not_ready, (method, url, query, form)
        if method == "POST" and response.status_code >= 400:
            assert _counts(session) == before, (method, url, form, response.status_code)

    run()


envelope = st.fixed_dictionaries(
    {
        "to": st.lists(st.sampled_from([f"reply+abc@{DOMAIN}", "cs@example.com"]), min_size=1),
        "from": st.sampled_from(["customer@example.org", "x@y.z"]),
    }  # fmt: skip
)


@st.composite
def inbound_posts(draw):
    """Multipart bodies as SendGrid might post them, and some it never would."""
    data: dict = {}
    if draw(st.booleans()):
        data["envelope"] = json.dumps(draw(envelope))
    elif draw(st.booleans()):
        data["envelope"] = draw(anything)
    for name in ("from", "to", "subject", "text", "html", "headers", "charsets", "SPF"):
        if draw(st.booleans()):
            data[name] = draw(st.one_of(anything, st.just("Customer <customer@example.org>")))
    if draw(st.integers(0, 4)) == 0:
        data["email"] = draw(st.text(max_size=300))
    if draw(st.integers(0, 3)) == 0:
        data["charsets"] = json.dumps({"text": draw(st.sampled_from(["utf-8", "bogus-8", ""]))})
    if draw(st.integers(0, 3)) == 0:
        data["attachment1"] = (io.BytesIO(draw(st.binary(max_size=2000))), draw(anything) or "f")
        data["attachment-info"] = draw(st.one_of(anything, st.just('{"attachment1": {}}')))
    return data


def _carries_a_message(data: dict) -> bool:
    try:
        env = json.loads(data.get("envelope") or "")
    except ValueError:
        return False
    return isinstance(env, dict) and bool(env.get("to")) and bool(env.get("from"))


def test_random_inbound_posts_never_answer_5xx_and_keep_every_message(app, client, session):
    app.config.update(INBOUND_SECRET=SECRET, INBOUND_DOMAIN=DOMAIN)

    @SETTINGS
    @given(data=inbound_posts())
    def run(data):
        before = _counts(session)
        response = client.post(f"/webhooks/sendgrid/inbound/{SECRET}", data=data,
                               content_type="multipart/form-data")  # fmt: skip
        assert response.status_code < 500, (data, response.get_data(as_text=True))
        if response.status_code >= 400:
            assert _counts(session) == before
        if _carries_a_message(data):
            assert response.status_code == 200, (data, response.get_data(as_text=True))

    run()
