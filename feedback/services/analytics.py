"""Comment analytics: analyse a response's comment and store what it says; keep the theme
taxonomy; re-tag every comment when the taxonomy changes; propose emerging themes.

The decisions live in the pure modules (language, sentiment, themes, mismatch); this module
loads and stores. Services flush; the caller commits, except the chunked re-analysis, which
owns its transactions so a killed run keeps what it finished.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from feedback import language, mismatch, sentiment_languages
from feedback import themes as theme_matching
from feedback.models import (
    AnalysisProgress,
    InboundEmail,
    Message,
    Response,
    ResponseAnalysis,
    ResponseTheme,
    Team,
    Theme,
    ThemeProposal,
)
from feedback.services.errors import InvalidInput, NotFound

RETAG = "retag"  # the name of the progress record of the re-tagging pass
PROPOSAL_DAYS = 90
PROPOSAL_CATEGORIES = ("detractor", "passive")
MAX_KEYWORDS = 200
MAX_KEYWORD_LENGTH = 100
MAX_NAME_LENGTH = 120
# The outer loop works on what customers are unhappy or unsure about.
COUNTED_LABELS = ("negative", "neutral")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


# ---------------------------------------------------------------- taxonomy


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The active themes as the pure matcher wants them, and their database ids by key."""

    themes: tuple[theme_matching.Theme, ...]
    ids: Mapping[str, int]


def seed_taxonomy(session: Session) -> int:
    """Add the default B2B SaaS themes that are missing (by key); returns how many were added.

    A default owner ("Engineering") becomes the team of that name, or else the first team of
    that department; none when neither exists. Safe to run concurrently.
    """
    teams = session.scalars(select(Team).order_by(Team.id)).all()
    by_name = {t.name.lower(): t.id for t in teams}
    by_department: dict[str, int] = {}
    for team in teams:
        by_department.setdefault(team.department.lower(), team.id)
    now = _utcnow()
    added = 0
    for theme in theme_matching.DEFAULT_TAXONOMY:
        owner = theme.owner.lower()
        result = session.execute(
            _insert(session)(Theme)
            .values(
                key=theme.key,
                name=theme.name,
                owner_team_id=by_name.get(owner, by_department.get(owner)),
                keywords=list(theme.keywords),
                active=True,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing()
            .returning(Theme.id)
        )
        added += result.scalar() is not None
    session.flush()
    return added


def load_taxonomy(session: Session) -> Taxonomy:
    """The active themes; the default taxonomy is seeded the first time the table is empty."""
    if session.scalar(select(func.count()).select_from(Theme)) == 0:
        seed_taxonomy(session)
    rows = session.scalars(select(Theme).where(Theme.active).order_by(Theme.id)).all()
    return Taxonomy(
        tuple(
            theme_matching.Theme(
                r.key, r.name, tuple(r.keywords), r.owner_team.name if r.owner_team else ""
            )
            for r in rows
        ),
        {r.key: r.id for r in rows},
    )


def list_themes(session: Session) -> list[Theme]:
    """Every theme, active first; the defaults come from `flask seed-defaults`, not from here."""
    return list(session.scalars(select(Theme).order_by(Theme.active.desc(), Theme.name)))


def get_theme(session: Session, theme_id: int) -> Theme:
    theme = session.get(Theme, theme_id)
    if theme is None:
        raise NotFound(f"There is no theme with id {theme_id}.")
    return theme


def parse_keywords(raw: str | Sequence[str]) -> tuple[list[str], list[str]]:
    """Keywords from text with one per line (or a list): trimmed, blank lines and repeats
    dropped. Returns (keywords, problems)."""
    lines = raw.splitlines() if isinstance(raw, str) else list(raw)
    keywords: list[str] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        keyword = " ".join(str(line).split())
        if not keyword:
            continue
        if len(keyword) > MAX_KEYWORD_LENGTH:
            problems.append(
                f"Line {number} is {len(keyword)} characters; keep each keyword under "
                f"{MAX_KEYWORD_LENGTH}."
            )
        elif not theme_matching._keyword_terms(keyword):  # noqa: SLF001
            problems.append(f"Line {number} ({keyword!r}) has no word to match.")
        elif keyword.lower() not in seen:
            seen.add(keyword.lower())
            keywords.append(keyword)
    if not keywords and not problems:
        problems.append("Give at least one keyword or phrase, one per line.")
    if len(keywords) > MAX_KEYWORDS:
        problems.append(f"At most {MAX_KEYWORDS} keywords per theme; this has {len(keywords)}.")
    return keywords, problems


def _clean_theme(session: Session, data: Mapping[str, Any], theme: Theme | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors["name"] = ["Give the theme a name, e.g. “Reporting”."]
    elif len(name) > MAX_NAME_LENGTH:
        errors["name"] = [f"Keep the name under {MAX_NAME_LENGTH} characters."]
    else:
        clash = session.scalar(
            select(Theme).where(
                func.lower(Theme.name) == name.lower(), Theme.id != (theme.id if theme else -1)
            )
        )
        if clash is not None:
            errors["name"] = [f"Another theme is already called “{clash.name}”."]
        clean["name"] = name
    owner = data.get("owner_team_id")
    if owner in (None, ""):
        clean["owner_team_id"] = None
    else:
        try:
            team = session.get(Team, int(owner))
        except (TypeError, ValueError):
            team = None
        if team is None:
            errors["owner_team_id"] = ["Choose one of the teams listed (or no owner)."]
        else:
            clean["owner_team_id"] = team.id
    keywords, problems = parse_keywords(data.get("keywords") or "")
    if problems:
        errors["keywords"] = problems
    clean["keywords"] = keywords
    clean["active"] = bool(data.get("active", True))
    if errors:
        raise InvalidInput("The theme was not saved.", errors)
    return clean


def _new_key(session: Session, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:50] or "theme"
    key, n = base, 1
    while session.scalar(select(Theme.id).where(Theme.key == key)) is not None:
        n += 1
        key = f"{base}_{n}"
    return key


def create_theme(session: Session, data: Mapping[str, Any], now: datetime | None = None) -> Theme:
    now = now or _utcnow()
    load_taxonomy(session)  # the defaults first, so they are not seeded over a new theme later
    clean = _clean_theme(session, data, None)
    theme = Theme(key=_new_key(session, clean["name"]), created_at=now, updated_at=now, **clean)
    session.add(theme)
    session.flush()
    request_retag(session, f"theme “{theme.name}” added", now)
    return theme


def update_theme(
    session: Session, theme_id: int, data: Mapping[str, Any], now: datetime | None = None
) -> Theme:
    """Change a theme; a change of keywords or of active re-tags every comment (a job does it)."""
    now = now or _utcnow()
    theme = get_theme(session, theme_id)
    clean = _clean_theme(session, data, theme)
    retag = clean["keywords"] != list(theme.keywords) or clean["active"] != theme.active
    for key, value in clean.items():
        setattr(theme, key, value)
    theme.updated_at = now
    session.flush()
    if retag:
        request_retag(session, f"theme “{theme.name}” edited", now)
    return theme


# ---------------------------------------------------------------- analysing one response


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


def recheck_mismatch(response: Response) -> None:
    """Re-decide the score/comment mismatch from the stored sentiment: called whenever the
    score or the comment's sentiment changes, so a flag never outlives its reason."""
    analysis = response.analysis
    if analysis is None:
        return
    flag = mismatch.check(
        response.category,
        response.score,
        analysis.sentiment_polarity,
        [d.get("contribution") or 0.0 for d in analysis.sentiment_drivers or []],
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


def analyze_by_id(session: Session, response_id: int) -> ResponseAnalysis | None:
    response = session.get(Response, response_id)
    if response is None:
        raise NotFound(f"There is no response with id {response_id}.")
    return analyze_response(session, response)


# ---------------------------------------------------------------- re-tagging every comment


def _progress(session: Session, *, lock: bool = False) -> AnalysisProgress:
    query = select(AnalysisProgress).where(AnalysisProgress.name == RETAG)
    if lock:
        query = query.with_for_update()
    row = session.scalar(query.execution_options(populate_existing=True))
    if row is None:
        session.execute(
            _insert(session)(AnalysisProgress)
            .values(name=RETAG, pending=False, generation=0, last_response_id=0, done=0,
                    updated_at=_utcnow())
            .on_conflict_do_nothing()
        )  # fmt: skip
        row = session.scalar(query.execution_options(populate_existing=True))
    assert row is not None
    return row


def retag_status(session: Session) -> AnalysisProgress:
    """The re-tagging pass for the themes page; before the first pass, an idle one not saved
    (a read never writes: the row is created by the first request for a re-tag)."""
    row = session.scalar(select(AnalysisProgress).where(AnalysisProgress.name == RETAG))
    if row is not None:
        return row
    return AnalysisProgress(name=RETAG, pending=False, generation=0, last_response_id=0, done=0)


def request_retag(session: Session, reason: str, now: datetime | None = None) -> None:
    """Start the re-tagging pass over from the first response (the job or CLI runs it)."""
    now = now or _utcnow()
    progress = _progress(session, lock=True)
    progress.pending = True
    progress.generation += 1
    progress.last_response_id = 0
    progress.done = 0
    progress.reason = reason[:500]
    progress.requested_at = now
    progress.started_at = progress.finished_at = None
    session.flush()


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
        progress = _progress(session, lock=True)
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
            progress = _progress(session, lock=True)
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


def propose_themes(
    session: Session, now: datetime | None = None, *, days: int = PROPOSAL_DAYS, min_count: int = 3
) -> dict[str, int]:
    """Recurring phrases from recent detractor and passive comments that no theme covers,
    upserted by their stems: counts and examples refresh; a dismissed or accepted phrase keeps
    its decision; a proposal that stopped recurring is withdrawn."""
    now = now or _utcnow()
    taxonomy = load_taxonomy(session)
    comments = session.scalars(
        select(Response.comment)
        .outerjoin(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .where(
            _with_comment(),
            Response.category.in_(PROPOSAL_CATEGORIES),
            Response.answered_at >= now - timedelta(days=days),
            (ResponseAnalysis.language.is_(None)) | (ResponseAnalysis.language == "en"),
        )
        .order_by(Response.id)
    ).all()
    found = theme_matching.propose_phrases(
        [c for c in comments if c and c.strip()], taxonomy.themes, min_count=min_count
    )
    existing = {p.stems: p for p in session.scalars(select(ThemeProposal))}
    stats = {"comments": len(comments), "proposed": 0, "updated": 0, "withdrawn": 0}
    current: set[str] = set()
    for proposal in found:
        stems = " ".join(proposal.stems)[:200]
        current.add(stems)
        row = existing.get(stems)
        if row is None:
            session.add(
                ThemeProposal(
                    phrase=proposal.phrase[:200],
                    stems=stems,
                    count=proposal.count,
                    examples=list(proposal.examples),
                    status="proposed",
                    created_at=now,
                    updated_at=now,
                )
            )
            stats["proposed"] += 1
        else:
            if row.status == "proposed":
                row.phrase = proposal.phrase[:200]
            row.count, row.examples, row.updated_at = proposal.count, list(proposal.examples), now
            stats["updated"] += 1
    for stems, row in existing.items():
        if row.status == "proposed" and stems not in current:
            session.delete(row)
            stats["withdrawn"] += 1
    session.flush()
    return stats


def list_proposals(session: Session, status: str = "proposed") -> list[ThemeProposal]:
    return list(
        session.scalars(
            select(ThemeProposal)
            .where(ThemeProposal.status == status)
            .order_by(ThemeProposal.count.desc(), ThemeProposal.phrase)
        )
    )


def _open_proposal(session: Session, proposal_id: int) -> ThemeProposal:
    proposal = session.get(ThemeProposal, proposal_id)
    if proposal is None:
        raise NotFound(f"There is no proposal with id {proposal_id}.")
    if proposal.status != "proposed":
        raise InvalidInput(f"“{proposal.phrase}” was already {proposal.status}.")
    return proposal


def accept_proposal(
    session: Session, proposal_id: int, data: Mapping[str, Any], now: datetime | None = None
) -> Theme:
    """Make the phrase a theme of its own (name and owner from data), or, with
    data["theme_id"], a keyword of an existing theme. Either way the comments are re-tagged."""
    now = now or _utcnow()
    proposal = _open_proposal(session, proposal_id)
    if data.get("theme_id"):
        try:
            theme = get_theme(session, int(data["theme_id"]))
        except (TypeError, ValueError, NotFound):
            raise InvalidInput(
                "The proposal was not accepted.", {"theme_id": ["Choose a theme from the list."]}
            ) from None
        theme = update_theme(
            session,
            theme.id,
            {"name": theme.name, "owner_team_id": theme.owner_team_id, "active": theme.active,
             "keywords": [*theme.keywords, proposal.phrase]},
            now,
        )  # fmt: skip
    else:
        name = data.get("name") or proposal.phrase[:1].upper() + proposal.phrase[1:]
        theme = create_theme(
            session,
            {
                "name": name,
                "owner_team_id": data.get("owner_team_id"),
                "keywords": [proposal.phrase],
            },
            now,
        )
    proposal.status, proposal.theme_id, proposal.decided_at = "accepted", theme.id, now
    session.flush()
    return theme


def dismiss_proposal(session: Session, proposal_id: int, now: datetime | None = None) -> None:
    """Dismissed phrases stay dismissed: the job updates their counts but never re-proposes."""
    proposal = _open_proposal(session, proposal_id)
    proposal.status, proposal.decided_at = "dismissed", now or _utcnow()
    session.flush()


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


def analysis_state(lang: str | None, scored: bool, analysis: object | None) -> str:
    """'analysed', 'not analysed: language' (a language without a lexicon), or
    'not analysed yet': never a silent blank where a score would be."""
    if scored:
        return "analysed"
    if analysis is not None and not sentiment_languages.scores_language(lang):
        return "not analysed: language"
    return "not analysed yet"


def exposure(response: Response) -> dict[str, Any]:
    """What the API and pages show of a response's analysis."""
    analysis = response.analysis
    scored = analysis is not None and analysis.sentiment_polarity is not None
    return {
        "sentiment": {
            "polarity": analysis.sentiment_polarity,
            "label": analysis.sentiment_label,
            "drivers": analysis.sentiment_drivers or [],
        }
        if scored
        else None,
        "language": analysis.language if analysis else None,
        "state": analysis_state(analysis.language if analysis else None, scored, analysis),
        "themes": [
            {
                "key": tag.theme.key,
                "name": tag.theme.name,
                "spans": tag.spans,
                "sentiment": {"polarity": tag.polarity, "label": tag.label},
            }
            for tag in response.theme_tags
        ],
        "mismatch": {
            "flag": bool(analysis and analysis.mismatch),
            "reason": analysis.mismatch_reason if analysis else None,
        },
    }


def preload(session: Session, responses: Sequence[Response]) -> None:
    """Load the analyses of a page of responses in two queries instead of two per response."""
    ids = [r.id for r in responses]
    if ids:
        session.scalars(
            select(Response)
            .where(Response.id.in_(ids))
            .options(selectinload(Response.analysis), selectinload(Response.theme_tags))
        ).all()
