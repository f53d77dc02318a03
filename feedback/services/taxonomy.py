"""The theme taxonomy: the themes comments are tagged with, their keywords and owners, the
default B2B SaaS set, and the record of the re-tagging pass a change of the taxonomy starts.

The matching itself is pure (feedback.themes); this module loads and stores the themes.
Services flush; the caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from feedback import themes as theme_matching
from feedback.models import (
    AnalysisProgress,
    Team,
    Theme,
)
from feedback.services import dialects
from feedback.services.errors import InvalidInput, NotFound

RETAG = "retag"  # the name of the progress record of the re-tagging pass
MAX_KEYWORDS = 200
MAX_KEYWORD_LENGTH = 100
MAX_NAME_LENGTH = 120


def _utcnow() -> datetime:
    return datetime.now(UTC)


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
            dialects.insert_for(session)(Theme)
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
    """The active themes; the default taxonomy is seeded the first time the table is empty.

    One statement when seeded (every theme with its owner team; the inactive ones are few),
    as every answered comment reads it.
    """
    query = select(Theme).options(joinedload(Theme.owner_team)).order_by(Theme.id)
    themes = session.scalars(query).unique().all()
    if not themes:
        seed_taxonomy(session)
        themes = session.scalars(query).unique().all()
    rows = [theme for theme in themes if theme.active]
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

# ---------------------------------------------------------------- the re-tagging pass


def retag_progress(session: Session, *, lock: bool = False) -> AnalysisProgress:
    """The re-tagging pass's progress record (created on first use); `lock` for a writer."""
    query = select(AnalysisProgress).where(AnalysisProgress.name == RETAG)
    if lock:
        query = query.with_for_update()
    row = session.scalar(query.execution_options(populate_existing=True))
    if row is None:
        session.execute(
            dialects.insert_for(session)(AnalysisProgress)
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
    progress = retag_progress(session, lock=True)
    progress.pending = True
    progress.generation += 1
    progress.last_response_id = 0
    progress.done = 0
    progress.reason = reason[:500]
    progress.requested_at = now
    progress.started_at = progress.finished_at = None
    session.flush()
