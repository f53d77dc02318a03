"""A customer's email reply analysed like a survey comment: its language, its sentiment
(shown in the thread), and its themes, which join the response's so the outer loop hears
what customers write back as well as what they typed on the survey page.

The decisions are the comment's (feedback.language, feedback.sentiment_languages); this
module stores them on the reply's inbound_emails row. Services flush; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import language, sentiment_languages
from feedback.models import InboundEmail, Response
from feedback.services import analytics


def analyze_reply(session: Session, email: InboundEmail, words: str) -> None:
    """Score the reply's new words and re-tag the conversation's themes.

    A reply with no new words (only a quote) gets no language and no score; a reply in a
    language without a lexicon keeps its language and no score ("not analysed: language").
    """
    words = (words or "").strip()
    email.language = language.detect_language(words) if words else None
    result = sentiment_languages.score_comment(words, email.language) if words else None
    email.sentiment_polarity = round(result.polarity, 4) if result else None
    email.sentiment_label = result.label if result else None
    email.sentiment_drivers = (
        [{"phrase": d.phrase, "contribution": round(d.contribution, 4)} for d in result.drivers]
        if result
        else None
    )
    email.analyzer_version = result.analyzer_version if result else None
    session.flush()
    response = session.scalar(select(Response).where(Response.invitation_id == email.invitation_id))
    if response is not None and words:
        analytics.analyze_response(session, response)
