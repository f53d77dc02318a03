"""Comment analytics: analyse a response's comment and store what it says (language,
sentiment, themes, mismatch); re-tag every comment when the taxonomy changes; count themes.

The decisions live in the pure modules (language, sentiment, themes, mismatch); the themes
are kept by services.taxonomy; this module loads and stores. Services flush; the caller
commits, except the chunked re-analysis, which owns its transactions so a killed run keeps
what it finished.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from feedback import language, mismatch, sentiment_languages
from feedback import themes as theme_matching
from feedback.models import (
    InboundEmail,
    Message,
    Response,
    ResponseAnalysis,
    ResponseTheme,
    Theme,
)
from feedback.services import dialects
from feedback.services.errors import NotFound
from feedback.services.taxonomy import Taxonomy, load_taxonomy, request_retag, retag_progress

# The outer loop works on what customers are unhappy or unsure about.
COUNTED_LABELS = ("negative", "neutral")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def analyze_response(
    session: Session, response: Response, taxonomy: Taxonomy | None = None
) -> ResponseAnalysis | None:
    """Analyse the response's comment and store the result (replacing an earlier one); tag
    the themes of the comment and of the customer's email replies in the same conversation.

    Language first: English (and unknown: too short to tell) is scored by feedback.sentiment,
    German and French by their lexicons; any other language keeps its language and no score
    ("not analysed: language"), because a number would be invented. Theme keywords are
    English, so only English words are tagged.
    """
    text = (response.comment or "").strip()
    analysis = response.analysis
    response.analysis_pending = False
    if not text:
        if analysis is not None:
            session.delete(analysis)
        _store_themes(session, response, _theme_tags(session, response, "", taxonomy))
        session.flush()
        return None
    if analysis is None:
        analysis = ResponseAnalysis(response=response)
        session.add(analysis)
    lang = language.detect_language(text)
    analysis.language = lang
    analysis.analyzed_at = _utcnow()
    result = sentiment_languages.score_comment(text, lang)
    if result is None:
        analysis.sentiment_polarity = analysis.sentiment_subjectivity = None
        analysis.sentiment_label = None
        analysis.sentiment_drivers = None
        analysis.analyzer_version = None
    else:
        analysis.sentiment_polarity = round(result.polarity, 4)
        analysis.sentiment_subjectivity = round(result.subjectivity, 4)
        analysis.sentiment_label = result.label
        analysis.sentiment_drivers = [
            {"phrase": d.phrase, "contribution": round(d.contribution, 4)} for d in result.drivers
        ]
        analysis.analyzer_version = result.analyzer_version
    recheck_mismatch(response)
    english = text if lang in (None, "en") else ""
    _store_themes(session, response, _theme_tags(session, response, english, taxonomy))
    session.flush()
    return analysis


def _theme_tags(
    session: Session, response: Response, comment: str, taxonomy: Taxonomy | None
) -> list[tuple[int, list[dict[str, Any]], float, str]]:
    """(theme id, spans, aspect polarity, label) for the comment, then for each English reply
    a theme the comment did not name (spans point into the comment, so a reply's have none)."""
    said = [comment] if comment else []
    said += session.scalars(
        select(Message.body)
        .join(InboundEmail, InboundEmail.message_id == Message.id)
        .where(
            InboundEmail.invitation_id == response.invitation_id,
            Message.body != "",
            InboundEmail.language.is_(None) | (InboundEmail.language == "en"),
        )
        .order_by(Message.created_at, Message.id)
    ).all()
    if not said:
        return []
    taxonomy = taxonomy or load_taxonomy(session)
    tags: dict[int, tuple[int, list[dict[str, Any]], float, str]] = {}
    for index, text in enumerate(said):
        matches = theme_matching.match_themes(text, taxonomy.themes)
        aspects = theme_matching.aspect_sentiment(text, matches)
        for m in matches:
            theme_id = taxonomy.ids[m.key]
            if theme_id not in tags:
                spans = [asdict(span) for span in m.spans] if comment and index == 0 else []
                aspect = aspects[m.key]
                tags[theme_id] = (theme_id, spans, round(aspect.polarity, 4), aspect.label)
    return list(tags.values())


def mismatch_of(
    category: str | None,
    score: int | None,
    polarity: float | None,
    drivers: list[dict[str, Any]] | None,
) -> mismatch.Mismatch:
    """The mismatch flag of a score and its comment's stored sentiment."""
    return mismatch.check(
        category, score, polarity, [d.get("contribution") or 0.0 for d in drivers or []]
    )


def recheck_mismatch(response: Response) -> None:
    """Re-decide the score/comment mismatch from the stored sentiment: called whenever the
    score or the comment's sentiment changes, so a flag never outlives its reason."""
    analysis = response.analysis
    if analysis is None:
        return
    flag = mismatch_of(
        response.category, response.score, analysis.sentiment_polarity, analysis.sentiment_drivers
    )
    analysis.mismatch, analysis.mismatch_reason = flag.flag, flag.reason


def _store_themes(
    session: Session, response: Response, tags: list[tuple[int, list[dict[str, Any]], float, str]]
) -> None:
    """Update rows in place by theme, so the unique (response, theme) is never hit twice."""
    existing = {row.theme_id: row for row in response.theme_tags}
    wanted = {theme_id for theme_id, _, _, _ in tags}
    for theme_id, row in existing.items():
        if theme_id not in wanted:
            response.theme_tags.remove(row)
    for theme_id, spans, polarity, label in tags:
        row = existing.get(theme_id)
        if row is None:
            row = ResponseTheme(theme_id=theme_id)
            response.theme_tags.append(row)
        row.spans, row.polarity, row.label = spans, polarity, label


def analyze_pending(
    session: Session,
    limit: int = 200,
    *,
    responses: Sequence[Response] | None = None,
    taxonomy: Taxonomy | None = None,
) -> int:
    """Analyse comments the survey page marked (`analysis_pending`), oldest first; how many.

    The page only marks a changed comment, so the customer's request stores the answer and
    nothing else; this runs from the analyze-responses job, and from create-followups for
    the responses it is about to plan (`responses`), so a task never misses its analysis.
    Rows another process is analysing are skipped (SKIP LOCKED), never analysed twice.
    """
    if responses is None:
        query = (
            select(Response)
            .where(Response.analysis_pending.is_(True))
            .order_by(Response.id)
            .limit(limit)
            .options(selectinload(Response.analysis), selectinload(Response.theme_tags))  # type: ignore[attr-defined]
        )
        responses = session.scalars(
            dialects.locked(session, query, skip_locked=True, of=Response)
        ).all()
    pending = [r for r in responses if r.analysis_pending]
    if pending:
        taxonomy = taxonomy or load_taxonomy(session)
        for response in pending:
            analyze_response(session, response, taxonomy)
    return len(pending)


def analyze_by_id(session: Session, response_id: int) -> ResponseAnalysis | None:
    response = session.get(Response, response_id)
    if response is None:
        raise NotFound(f"There is no response with id {response_id}.")
    return analyze_response(session, response)


# ---------------------------------------------------------------- re-tagging every comment


# ---------------------------------------------------------------- re-tagging every comment


@dataclass
class RetagResult:
    analyzed: int = 0
    total: int = 0
    chunks: int = 0
    restarted: int = 0  # times a taxonomy edit during the run sent it back to the start
    ran: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _with_comment():  # type: ignore[no-untyped-def]
    return Response.comment.is_not(None)


def reanalyze_all(
    session_factory: Callable[[], Session],
    progress_callback: Callable[[int, int], None] | None = None,
    chunk: int = 500,
    *,
    only_if_pending: bool = False,
    restart: bool = False,
    now: datetime | None = None,
) -> RetagResult:
    """Analyse every comment again, in id order, committing per chunk.

    Resumable: the last finished id is kept in the progress record, so a run that is killed
    (or Ctrl+C'd) continues after it. When no pass is pending, a new full pass starts (unless
    only_if_pending, the job's way). `progress_callback(done, total)` follows each chunk.
    """
    now = now or _utcnow()
    with session_factory() as session:
        progress = retag_progress(session, lock=True)
        if not progress.pending and only_if_pending:
            return RetagResult(ran=False)
        if restart or not progress.pending:
            request_retag(session, "full re-analysis", now)
        progress.started_at = progress.started_at or now
        generation = progress.generation
        session.commit()
    result = RetagResult()
    total: int | None = None
    while True:
        with session_factory() as session:
            progress = retag_progress(session, lock=True)
            if progress.generation != generation:
                generation, total = progress.generation, None
                result.restarted += 1
            if total is None:
                remaining = session.scalar(
                    select(func.count())
                    .select_from(Response)
                    .where(_with_comment(), Response.id > progress.last_response_id)
                )
                total = progress.done + (remaining or 0)
                result.total = total
            ids = session.scalars(
                select(Response.id)
                .where(_with_comment(), Response.id > progress.last_response_id)
                .order_by(Response.id)
                .limit(chunk)
            ).all()
            if not ids:
                progress.pending = False
                progress.finished_at = _utcnow()
                session.commit()
                return result
            taxonomy = load_taxonomy(session)
            rows = session.scalars(
                select(Response)
                .where(Response.id.in_(ids))
                .options(selectinload(Response.analysis), selectinload(Response.theme_tags))
                .order_by(Response.id)
            ).all()
            for response in rows:
                analyze_response(session, response, taxonomy)
            progress.last_response_id = ids[-1]
            progress.done += len(ids)
            done = progress.done
            session.commit()
        result.analyzed += len(ids)
        result.chunks += 1
        if progress_callback is not None:
            progress_callback(done, max(total, done))


# ---------------------------------------------------------------- emerging themes

# ---------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class ThemeCount:
    theme_id: int
    key: str
    name: str
    owner_team_id: int | None
    count: int


def theme_counts(
    session: Session, since: datetime, until: datetime | None = None
) -> list[ThemeCount]:
    """Responses per theme answered in [since, until), counting a theme only where it was
    mentioned negatively or neutrally: praise of support is not work for the support team."""
    query = (
        select(Theme.id, Theme.key, Theme.name, Theme.owner_team_id, func.count(ResponseTheme.id))
        .join(ResponseTheme, ResponseTheme.theme_id == Theme.id)
        .join(Response, Response.id == ResponseTheme.response_id)
        .where(ResponseTheme.label.in_(COUNTED_LABELS), Response.answered_at >= since)
        .group_by(Theme.id, Theme.key, Theme.name, Theme.owner_team_id)
        .order_by(func.count(ResponseTheme.id).desc(), Theme.name)
    )
    if until is not None:
        query = query.where(Response.answered_at < until)
    return [ThemeCount(*row) for row in session.execute(query)]


def preload(session: Session, responses: Sequence[Response]) -> None:
    """Load the analyses of a page of responses in two queries instead of two per response."""
    ids = [r.id for r in responses]
    if ids:
        session.scalars(
            select(Response)
            .where(Response.id.in_(ids))
            .options(selectinload(Response.analysis), selectinload(Response.theme_tags))
        ).all()
