"""Comment analytics through the services: what a stored response says (sentiment, language,
themes with spans, aspect sentiment, mismatch), taxonomy edits re-tagging old responses
(resumably), emerging-theme proposals, the outer loop's theme counts and the API fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from feedback import db, response_analysis
from feedback.models import (
    AnalysisProgress,
    OutboxEmail,
    Response,
    ResponseAnalysis,
    ResponseTheme,
    Theme,
    ThemeProposal,
)
from feedback.services import analytics, capture, invitations, programs, taxonomy, theme_proposals
from jobs.registry import run_job

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def answer(session, app, make_contact):
    """Answer a survey through the page, then let the analyze-responses job run (the page
    leaves the comment's analysis to it): answer(score, comment) -> the stored Response."""
    program = programs.create_program(
        session, {"name": "Relationship", "kind": "nps", "active": True, "product_name": "Acme"}
    )
    session.commit()

    def make(score: int, comment: str | None, at: datetime = NOW) -> Response:
        person = make_contact()
        results = invitations.invite_now(
            session, app.config, program.id, [person.email], now=at - timedelta(days=1)
        )
        assert results[0]["status"] == "invited", results
        email = (
            session.query(OutboxEmail)
            .filter_by(invitation_id=results[0]["invitation_id"], kind="invitation")
            .one()
        )
        survey = capture.submit_answer(
            session, email.substitutions["%%token%%"], score=score, comment=comment, now=at
        )
        session.commit()
        analyzed = run_job(app, "analyze-responses", manual=True, now=at)
        assert analyzed == {"analyzed": 1 if comment else 0}
        return session.get(Response, survey.response.id)  # the model, read back

    return make


def _stored(session, response: Response) -> tuple[ResponseAnalysis | None, dict[str, str]]:
    """The analysis row and {theme key: label} as read back from the database."""
    session.expire_all()
    analysis = session.get(ResponseAnalysis, response.id)
    tags = session.scalars(select(ResponseTheme).where(ResponseTheme.response_id == response.id))
    return analysis, {t.theme.key: t.label for t in tags}


def _spans(session, response: Response, key: str) -> list[str]:
    session.expire_all()
    tag = session.scalar(
        select(ResponseTheme)
        .join(Theme)
        .where(ResponseTheme.response_id == response.id, Theme.key == key)
    )
    assert tag is not None, f"{key} not tagged"
    return [response.comment[s["start"] : s["end"]] for s in tag.spans]


# ---------------------------------------------------------------- sentiment through capture


@pytest.mark.parametrize(
    ("comment", "label"),
    [
        # negation
        ("The export is not working since the last update.", "negative"),
        ("No problems at all, never had an issue.", "positive"),
        ("Support isn’t great, honestly.", "negative"),  # typographic apostrophe
        # contrast: the clause after "but" weighs more
        ("Great product but support is awful.", "negative"),
        ("Setup was a hassle, but now it works really well.", "positive"),
        # complaint vocabulary general lexicons lack
        ("Billing is a nightmare and the app crashes constantly.", "negative"),
        ("Total waste of money, it keeps crashing and nobody answers.", "negative"),
        ("We will cancel and ask for a refund.", "negative"),
    ],
)
def test_a_stored_comment_gets_the_right_label(session, answer, comment, label):
    response = answer(7, comment)
    analysis, _ = _stored(session, response)
    assert analysis is not None
    assert analysis.sentiment_label == label, (analysis.sentiment_polarity, comment)
    assert analysis.language in ("en", None)
    assert analysis.analyzer_version and analysis.sentiment_drivers
    assert -1 <= analysis.sentiment_polarity <= 1


def test_drivers_say_why(session, answer):
    response = answer(3, "Billing is a nightmare and the app crashes constantly.")
    analysis, _ = _stored(session, response)
    phrases = {d["phrase"].lower() for d in analysis.sentiment_drivers}
    assert {"nightmare", "crashes"} <= phrases
    assert all(d["contribution"] < 0 for d in analysis.sentiment_drivers)


@pytest.mark.parametrize(
    ("comment", "language", "label"),
    [
        ("Die Abrechnung ist viel zu teuer und der Support ist schlecht.", "de", "negative"),
        ("Tolles Produkt, wir sind sehr zufrieden und der Support ist hervorragend.", "de",
         "positive"),
        ("Le produit plante tout le temps, très décevant.", "fr", "negative"),
        ("Le produit est vraiment excellent, je suis très content.", "fr", "positive"),
    ],
)  # fmt: skip
def test_german_and_french_comments_are_scored_from_their_lexicons(
    session, answer, comment, language, label
):
    response = answer(2, comment)
    analysis, tags = _stored(session, response)
    assert analysis.language == language
    assert analysis.sentiment_label == label
    assert analysis.analyzer_version.startswith(f"textblob-{language}")
    assert analysis.sentiment_drivers  # the lexicon words that decided it
    assert tags == {}  # the theme keywords are English
    assert response_analysis.exposure(response)["state"] == "analysed"


@pytest.mark.parametrize(
    ("comment", "language"),
    [
        ("La facturación es demasiado cara y el soporte nunca responde.", "es"),
        ("De facturatie is veel te duur en de support reageert nooit.", "nl"),
    ],
)
def test_a_comment_in_a_language_without_a_lexicon_is_not_analysed_language(
    session, answer, comment, language
):
    response = answer(2, comment)
    analysis, tags = _stored(session, response)
    assert analysis.language == language
    assert analysis.sentiment_polarity is None and analysis.sentiment_label is None
    assert analysis.sentiment_drivers is None and analysis.sentiment_subjectivity is None
    assert analysis.mismatch is False
    assert tags == {}
    shown = response_analysis.exposure(response)
    assert shown["sentiment"] is None
    assert shown["state"] == "not analysed: language"


def test_a_score_without_a_comment_has_no_analysis(session, answer):
    response = answer(9, None)
    analysis, tags = _stored(session, response)
    assert analysis is None and tags == {}


def test_a_changed_comment_is_analysed_again(session, answer, app):
    response = answer(9, "Love it, works great.")
    _, tags = _stored(session, response)
    assert response_analysis.exposure(response)["sentiment"]["label"] == "positive"
    response.comment = "Invoices are wrong every month."
    analytics.analyze_response(session, response)
    session.commit()
    analysis, tags = _stored(session, response)
    assert analysis.sentiment_label == "negative"
    assert tags == {"billing": "negative"}


# ---------------------------------------------------------------- themes, spans, aspects


def test_themes_match_on_stems_and_store_spans(session, answer):
    comment = "The app CRASHED twice and keeps crashing; our invoices were wrong too."
    response = answer(4, comment)
    _, tags = _stored(session, response)
    assert set(tags) == {"reliability", "billing"}
    assert _spans(session, response, "reliability") == ["CRASHED", "crashing"]
    assert _spans(session, response, "billing") == ["invoices"]
    tag = session.scalar(select(ResponseTheme).where(ResponseTheme.response_id == response.id))
    assert set(tag.spans[0]) == {"start", "end", "keyword"}


def test_each_theme_gets_its_own_sentiment(session, answer):
    response = answer(7, "Love the support team, but the app is painfully slow.")
    _, tags = _stored(session, response)
    assert tags == {"support": "positive", "performance": "negative"}


def test_the_default_taxonomy_is_seeded_lazily_with_owners(session, make_team):
    engineering = make_team(name="Engineering", department="Engineering")
    finance = make_team(name="Billing desk", department="Finance")
    assert session.scalar(select(Theme).limit(1)) is None
    loaded = taxonomy.load_taxonomy(session)
    assert len(loaded.themes) == 10
    rows = {t.key: t for t in session.scalars(select(Theme))}
    assert rows["reliability"].owner_team_id == engineering.id  # by team name
    assert rows["billing"].owner_team_id == finance.id  # by department
    assert rows["support"].owner_team_id is None  # no such team
    assert taxonomy.seed_taxonomy(session) == 0  # seeding again adds nothing


def test_inactive_themes_do_not_tag(session, answer):
    taxonomy.load_taxonomy(session)
    billing = session.scalar(select(Theme).where(Theme.key == "billing"))
    taxonomy.update_theme(
        session, billing.id, {"name": billing.name, "keywords": billing.keywords, "active": False}
    )
    session.commit()
    response = answer(4, "The invoice was wrong.")
    _, tags = _stored(session, response)
    assert "billing" not in tags


# ---------------------------------------------------------------- mismatch


@pytest.mark.parametrize(
    ("score", "comment", "flag"),
    [
        (10, "Terrible, waste of money, and the app crashes constantly.", True),
        (1, "Love it! Amazing product, works great, no problems.", True),
        (9, "Great product but support is awful.", False),
        (2, "ok", False),
        (8, "Terrible, waste of money.", False),  # passive: never a mismatch
    ],
)
def test_mismatch_is_stored(session, answer, score, comment, flag):
    response = answer(score, comment)
    analysis, _ = _stored(session, response)
    assert analysis.mismatch is flag
    assert (analysis.mismatch_reason is not None) is flag
    if flag:
        assert str(score) in analysis.mismatch_reason


def test_the_mismatch_is_decided_again_when_only_the_score_changes(session, app, make_contact):
    program = programs.create_program(
        session, {"name": "Rescored", "kind": "nps", "active": True, "product_name": "Acme"}
    )
    person = make_contact()
    results = invitations.invite_now(
        session, app.config, program.id, [person.email], now=NOW - timedelta(days=1)
    )
    email = (
        session.query(OutboxEmail)
        .filter_by(invitation_id=results[0]["invitation_id"], kind="invitation")
        .one()
    )
    token = email.substitutions["%%token%%"]
    comment = "Terrible, waste of money, and the app crashes constantly."
    survey = capture.submit_answer(session, token, score=10, comment=comment, now=NOW)
    session.commit()
    assert analytics.analyze_pending(session) == 1  # what the analyze-responses job runs
    session.commit()
    analysis, _ = _stored(session, survey.response)
    assert analysis.mismatch is True  # a promoter's score with a clearly negative comment

    # The customer corrects the score; the comment (and so its sentiment) stays the same.
    later = NOW + timedelta(minutes=5)
    survey = capture.submit_answer(session, token, score=1, comment=comment, now=later)
    session.commit()
    analysis, _ = _stored(session, survey.response)
    assert survey.response.category == "detractor"
    assert analysis.mismatch is False and analysis.mismatch_reason is None


# ---------------------------------------------------------------- taxonomy edits re-tag


def _add_keyword(session, key: str, keyword: str) -> Theme:
    theme = session.scalar(select(Theme).where(Theme.key == key))
    taxonomy.update_theme(
        session,
        theme.id,
        {"name": theme.name, "owner_team_id": theme.owner_team_id,
         "keywords": [*theme.keywords, keyword], "active": True},
    )  # fmt: skip
    session.commit()
    return theme


def _progress(session) -> AnalysisProgress:
    session.expire_all()
    return session.get(AnalysisProgress, taxonomy.RETAG)


def test_a_keyword_edit_resets_progress_and_analyze_all_retags_old_responses(session, answer, app):
    old = [answer(5, f"Please fix the audit trail, it is incomplete ({n}).") for n in range(3)]
    other = answer(9, "Great service.")
    assert all(_stored(session, r)[1] == {} for r in old)
    name_only = session.scalar(select(Theme).where(Theme.key == "documentation"))
    taxonomy.update_theme(  # a rename alone changes no tag: no re-tag needed
        session, name_only.id,
        {"name": "Docs", "keywords": name_only.keywords, "active": True},
    )  # fmt: skip
    session.commit()
    assert _progress(session) is None or not _progress(session).pending

    _add_keyword(session, "usability", "audit trail")
    progress = _progress(session)
    assert progress.pending and progress.last_response_id == 0 and progress.done == 0
    assert "edited" in progress.reason

    result = app.test_cli_runner().invoke(args=["analyze", "--all"])
    assert result.exit_code == 0, result.output
    assert "Analysed 4 comments of 4" in result.output
    assert "Analysing comments" not in result.output  # no progress bar off a terminal
    for response in old:
        assert set(_stored(session, response)[1]) == {"usability"}
        assert _spans(session, response, "usability") == ["audit trail"]
    assert _stored(session, other)[1] == {}
    progress = _progress(session)
    assert not progress.pending and progress.finished_at is not None
    assert progress.last_response_id == max(r.id for r in [*old, other])


def test_an_interrupted_run_resumes_where_it_stopped(session, answer, app, monkeypatch):
    responses = [answer(6, f"The audit trail has gaps ({n}).") for n in range(5)]
    _add_keyword(session, "usability", "audit trail")
    seen: list[int] = []
    real = analytics.analyze_response

    def interrupt_on_the_fourth(sess, response, taxonomy=None):
        seen.append(response.id)
        if len(seen) == 4:
            raise KeyboardInterrupt  # Ctrl+C in the middle of the second chunk
        return real(sess, response, taxonomy)

    monkeypatch.setattr(analytics, "analyze_response", interrupt_on_the_fourth)
    result = app.test_cli_runner().invoke(args=["analyze", "--all", "--chunk", "2"])
    assert result.exit_code == 130, result.output
    assert "run the same command to continue" in result.output
    progress = _progress(session)
    assert progress.pending and progress.last_response_id == responses[1].id
    assert progress.done == 2
    tagged = [bool(_stored(session, r)[1]) for r in responses]
    assert tagged == [True, True, False, False, False]  # the broken chunk was rolled back

    monkeypatch.setattr(analytics, "analyze_response", real)
    seen.clear()
    calls: list[tuple[int, int]] = []
    again = analytics.reanalyze_all(
        db.database().sessionmaker, lambda d, t: calls.append((d, t)), chunk=2
    )
    assert again.analyzed == 3 and again.total == 5  # only the rest
    assert calls[-1] == (5, 5)
    assert all(set(_stored(session, r)[1]) == {"usability"} for r in responses)
    assert not _progress(session).pending


def test_an_edit_during_a_run_sends_it_back_to_the_start(session, answer):
    responses = [answer(6, f"Sluggish reports, the audit trail is thin ({n}).") for n in range(4)]
    taxonomy.load_taxonomy(session)
    session.commit()
    factory = db.database().sessionmaker
    edited: list[bool] = []

    def edit_once(done: int, total: int) -> None:
        if not edited:
            edited.append(True)
            with factory() as other:
                _add_keyword(other, "usability", "audit trail")

    result = analytics.reanalyze_all(factory, edit_once, chunk=2)
    assert result.restarted == 1
    assert result.analyzed == 2 + 4
    assert all("usability" in _stored(session, r)[1] for r in responses)


def test_the_retag_job_runs_only_when_pending(session, answer, app):
    response = answer(5, "The audit trail is useless.")
    taxonomy.load_taxonomy(session)
    session.commit()
    assert run_job(app, "retag-responses", manual=True) == {
        "analyzed": 0, "total": 0, "chunks": 0, "restarted": 0, "ran": False,
    }  # fmt: skip
    _add_keyword(session, "usability", "audit trail")
    summary = run_job(app, "retag-responses", manual=True, now=NOW + timedelta(seconds=1))
    assert summary["ran"] and summary["analyzed"] == 1
    assert set(_stored(session, response)[1]) == {"usability"}


def test_analyze_one_response_from_the_cli(session, answer, app):
    response = answer(10, "Terrible, waste of money, and the app crashes constantly.")
    result = app.test_cli_runner().invoke(args=["analyze", "--response", str(response.id)])
    assert result.exit_code == 0, result.output
    assert "sentiment negative" in result.output and "mismatch: Promoter" in result.output
    missing = app.test_cli_runner().invoke(args=["analyze", "--response", "999999"])
    assert missing.exit_code == 1 and "no response with id 999999" in missing.output
    neither = app.test_cli_runner().invoke(args=["analyze"])
    assert neither.exit_code == 1 and "--all or --response" in neither.output


# ---------------------------------------------------------------- emerging themes


AUDIT = [
    "We still have no audit log for admins, which is bad.",
    "The audit log is hard to read.",
    "Please give us an audit log per user.",
    "Audit logs would help with compliance.",
]


def test_proposals_come_from_recent_unhappy_comments_only(session, answer):
    for n, comment in enumerate(AUDIT[:2]):
        answer(3 + n, comment)  # detractors
    answer(7, AUDIT[2])  # passive
    answer(10, "Audit log is great, love the audit log.")  # promoter: not counted
    old = answer(2, AUDIT[3])
    old.answered_at = NOW - timedelta(days=120)  # outside the 90 days
    session.commit()
    stats = theme_proposals.propose_themes(session, NOW + timedelta(days=1))
    session.commit()
    assert stats["comments"] == 3
    proposal = session.scalar(select(ThemeProposal))
    assert (proposal.phrase, proposal.stems, proposal.count) == ("audit log", "audit log", 3)
    assert proposal.status == "proposed" and len(proposal.examples) == 3


def test_dismissed_proposals_stay_dismissed(session, answer, app):
    for comment in AUDIT[:3]:
        answer(4, comment)
    run_job(app, "propose-themes", manual=True, now=NOW + timedelta(hours=1))
    proposal = session.scalar(select(ThemeProposal))
    theme_proposals.dismiss_proposal(session, proposal.id)
    session.commit()
    answer(5, AUDIT[3])
    summary = run_job(app, "propose-themes", manual=True, now=NOW + timedelta(hours=2))
    assert summary["proposed"] == 0
    session.expire_all()
    proposal = session.scalar(select(ThemeProposal))
    assert proposal.status == "dismissed" and proposal.count == 4
    assert theme_proposals.list_proposals(session) == []


def test_accepting_a_proposal_creates_an_owned_theme_and_retags(session, answer, make_team):
    team = make_team(name="Platform", department="Engineering")
    responses = [answer(4, comment) for comment in AUDIT[:3]]
    theme_proposals.propose_themes(session, NOW + timedelta(hours=1))
    session.commit()
    proposal = session.scalar(select(ThemeProposal))
    theme = theme_proposals.accept_proposal(
        session, proposal.id, {"name": "Audit & compliance", "owner_team_id": team.id}
    )
    session.commit()
    assert (theme.name, theme.keywords, theme.owner_team_id) == (
        "Audit & compliance", ["audit log"], team.id,
    )  # fmt: skip
    assert theme.key == "audit_compliance"
    session.expire_all()
    assert session.get(ThemeProposal, proposal.id).status == "accepted"
    assert _progress(session).pending
    analytics.reanalyze_all(db.database().sessionmaker)
    for response in responses:
        assert "audit_compliance" in _stored(session, response)[1]
    # covered now: the job does not propose it again, and withdraws nothing decided
    stats = theme_proposals.propose_themes(session, NOW + timedelta(hours=2))
    assert stats["proposed"] == 0


def test_accepting_into_an_existing_theme_adds_the_keyword(session, answer):
    for comment in AUDIT[:3]:
        answer(4, comment)
    theme_proposals.propose_themes(session, NOW + timedelta(hours=1))
    proposal = session.scalar(select(ThemeProposal))
    usability = session.scalar(select(Theme).where(Theme.key == "usability"))
    theme = theme_proposals.accept_proposal(session, proposal.id, {"theme_id": usability.id})
    assert theme.id == usability.id and theme.keywords[-1] == "audit log"
    with pytest.raises(taxonomy.InvalidInput):
        theme_proposals.accept_proposal(session, proposal.id, {})  # already decided


# ---------------------------------------------------------------- outer loop and API


def test_theme_counts_count_only_negative_and_neutral_mentions(session, answer):
    answer(9, "Love the support team, but the app is painfully slow.")  # support +, perf -
    answer(3, "Support never answers our tickets.")  # support -
    answer(6, "The app is slow.")  # performance -
    answer(10, "Fantastic support, thank you!")  # support + only
    old = answer(2, "Slow, slow, slow.")
    old.answered_at = NOW - timedelta(days=400)
    session.commit()
    counts = {c.key: c.count for c in analytics.theme_counts(session, NOW - timedelta(days=30))}
    assert counts == {"performance": 2, "support": 1}
    first = analytics.theme_counts(session, NOW - timedelta(days=30))[0]
    assert first.key == "performance" and first.name == "Performance"
    assert analytics.theme_counts(session, NOW + timedelta(days=1)) == []
    until = analytics.theme_counts(session, NOW - timedelta(days=500), NOW - timedelta(days=1))
    assert {c.key: c.count for c in until} == {"performance": 1}


def test_the_api_exposes_the_analysis(session, answer, client, api_headers):
    headers = api_headers("admin")  # no task or account owner holds these answers
    response = answer(10, "Love the support team, but billing is a nightmare and it crashes.")
    spanish = answer(3, "La facturación es demasiado cara y el soporte nunca responde.")
    bare = answer(8, None)
    body = client.get(f"/api/v1/responses/{response.id}", headers=headers).get_json()
    assert body["language"] == "en"
    assert body["sentiment"]["label"] == "negative"
    assert {"phrase", "contribution"} <= set(body["sentiment"]["drivers"][0])
    themes = {t["key"]: t for t in body["themes"]}
    assert set(themes) == {"support", "billing", "reliability"}
    assert themes["support"]["sentiment"]["label"] == "positive"
    assert themes["billing"]["name"] == "Billing & pricing"
    span = themes["billing"]["spans"][0]
    assert response.comment[span["start"] : span["end"]] == "billing"
    assert body["mismatch"] == {"flag": False, "reason": None}  # mixed: not "clearly"
    assert "thread" in body

    listed = client.get("/api/v1/responses", headers=headers).get_json()
    by_id = {item["id"]: item for item in listed["items"]}
    assert by_id[spanish.id]["language"] == "es" and by_id[spanish.id]["sentiment"] is None
    assert by_id[spanish.id]["themes"] == []
    assert by_id[bare.id]["sentiment"] is None and by_id[bare.id]["language"] is None
    assert by_id[bare.id]["mismatch"] == {"flag": False, "reason": None}
