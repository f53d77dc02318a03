"""Contacts and accounts CSV files imported from the browser: upload, preview with the column
mapping and every line's errors before anything is written, then the import as a job.

The parsing and the checks are services/imports (the CLI's own), so a file the CLI refuses the
page refuses with the same words. The import runs in the run-imports job, a chunk per
transaction with the progress committed in the same transaction: the page follows the row,
and a killed worker's import is taken up again where its last chunk ended.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from feedback.models import CsvImport
from feedback.models.imports import IMPORT_STATUSES
from feedback.services import imports
from feedback.services.errors import Conflict, InvalidInput, NotFound
from feedback.services.imports import ImportFileError, ParsedFile, RowError

SessionFactory = Callable[[], Session]
KINDS = tuple(imports.KINDS)
STATUSES = IMPORT_STATUSES
CHUNK_SIZE = 500
MAX_KEPT_ERRORS = 1000
PREVIEW_ROWS = 10
LEASE = timedelta(minutes=5)
ATTRIBUTE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


@dataclass
class Preview:
    """What the preview page shows: the header with the chosen target of each column, the
    first rows as they will be read, and every line's errors."""

    upload: CsvImport
    header: list[str]
    mapping: list[str]
    choices: list[str]  # the known fields of this kind; any other target is an attribute
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    file_error: str | None = None

    @property
    def importable(self) -> int:
        return self.row_count - len({e.line for e in self.errors if e.line > 1})


def _decode(raw: bytes, filename: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{filename} is not a UTF-8 text file (byte {exc.start + 1} is not UTF-8). "
            "Save it as 'CSV UTF-8' and upload it again.",
            {"file": ["Not UTF-8 text."]},
        ) from None


def upload(
    session: Session, kind: str, filename: str, raw: bytes, user_id: int | None
) -> CsvImport:
    """Keep the file with the mapping its header suggests; nothing is imported yet."""
    if kind not in KINDS:
        raise InvalidInput(f"Unknown kind {kind!r}.", {"kind": ["Choose contacts or accounts."]})
    filename = (filename or "upload.csv").strip()[-255:] or "upload.csv"
    if not raw:
        raise InvalidInput("Choose a CSV file to upload.", {"file": ["Choose a CSV file."]})
    text = _decode(raw, filename)
    try:
        header = imports.read_header(text)
        imports.parse_csv(text, kind)  # a file that is not a CSV at all is refused now
    except ImportFileError as exc:
        if "mapping" not in exc.fields:
            raise InvalidInput(f"{filename}: {exc.message}", {"file": [exc.message]}) from None
    row = CsvImport(
        kind=kind,
        filename=filename,
        content=text,
        mapping=[imports.normalise_header(h, kind) if h else "" for h in header],
        status="uploaded",
        created_by_id=user_id,
        errors=[],
    )
    session.add(row)
    session.flush()
    return row


def get(session: Session, import_id: int) -> CsvImport:
    row = session.get(CsvImport, import_id)
    if row is None:
        raise NotFound(f"There is no import with id {import_id}.")
    return row


def recent(session: Session, limit: int = 20) -> list[CsvImport]:
    return list(session.scalars(select(CsvImport).order_by(CsvImport.id.desc()).limit(limit)))


def choices(kind: str) -> list[str]:
    return list(imports.KINDS[kind].known)


def _parse(row: CsvImport) -> ParsedFile:
    return imports.parse_csv(row.content, row.kind, row.mapping)


def preview(session: Session, import_id: int) -> Preview:
    """Parse with the chosen mapping and check every row as the import will, writing nothing."""
    row = get(session, import_id)
    header = imports.read_header(row.content)
    shown = Preview(row, header, list(row.mapping), choices(row.kind))
    try:
        parsed = _parse(row)
    except ImportFileError as exc:
        shown.file_error = exc.message
        return shown
    shown.warnings = parsed.warnings
    shown.row_count = (
        len(parsed.rows) + len(parsed.duplicates) + len({e.line for e in parsed.errors})
    )
    checked = imports.check_rows(session, parsed.rows, row.kind)
    errors = list(parsed.errors) + checked
    rejected = {e.line for e in errors}
    errors += imports.duplicate_errors(parsed.duplicates, rejected)
    shown.errors = sorted(errors, key=lambda e: (e.line, e.field))
    shown.rows = [{"line": r.line, **r.data} for r in parsed.rows[:PREVIEW_ROWS]]
    return shown


def set_mapping(session: Session, import_id: int, mapping: Sequence[str]) -> CsvImport:
    """The person's choice per column: a known field, an attribute name, or "" to ignore."""
    row = get(session, import_id)
    _require(row, "uploaded", "change its columns")
    header = imports.read_header(row.content)
    if len(mapping) != len(header):
        raise InvalidInput(
            f"The file has {len(header)} columns; send one choice per column.",
            {"mapping": ["One choice per column."]},
        )
    clean: list[str] = []
    errors: dict[str, list[str]] = {}
    for index, raw in enumerate(mapping):
        target = imports.normalise_header(raw or "", row.kind) if raw else ""
        if target and target not in choices(row.kind) and not ATTRIBUTE_NAME.match(target):
            errors[f"mapping.{index}"] = [
                f"{raw!r} is neither a field nor an attribute name (lower-case letters, "
                "digits and _, starting with a letter)."
            ]
        clean.append(target)
    chosen = [c for c in clean if c]
    for name in {c for c in chosen if chosen.count(c) > 1}:
        errors.setdefault("mapping", []).append(f"{name!r} is chosen for two columns.")
    if errors:
        raise InvalidInput("The columns were not changed.", errors)
    row.mapping = clean
    session.flush()
    return row


def _require(row: CsvImport, status: str, what: str) -> None:
    if row.status != status:
        raise Conflict(f"Import {row.id} is {row.status}; you can no longer {what}.")


def start(session: Session, import_id: int) -> CsvImport:
    """Queue the import for the run-imports job; refused while the file cannot be read or no
    row would be imported."""
    row = get(session, import_id)
    _require(row, "uploaded", "start it again")
    try:
        parsed = _parse(row)
    except ImportFileError as exc:
        raise InvalidInput(exc.message, exc.fields) from None
    if not parsed.rows:
        raise InvalidInput("No row of this file can be imported; fix the columns or the file.")
    row.status = "queued"
    row.total_rows = len(parsed.rows)
    row.processed_rows = row.created = row.updated = row.error_count = 0
    row.errors = [[e.line, e.field, e.message] for e in parsed.errors[:MAX_KEPT_ERRORS]]
    row.error_count = len(parsed.errors)
    session.flush()
    return row


def _claim(session_factory: SessionFactory, now: datetime) -> int | None:
    """One queued import, or a running one whose worker's lease ran out."""
    with session_factory() as session, session.begin():
        due = (
            select(CsvImport.id)
            .where(
                or_(
                    CsvImport.status == "queued",
                    (CsvImport.status == "running") & (CsvImport.claimed_until < now),
                )
            )
            .order_by(CsvImport.id)
            .limit(1)
        )
        import_id = session.scalar(due)
        if import_id is None:
            return None
        taken = session.execute(
            update(CsvImport)
            .where(
                CsvImport.id == import_id,
                or_(
                    CsvImport.status == "queued",
                    (CsvImport.status == "running") & (CsvImport.claimed_until < now),
                ),
            )
            .values(status="running", claimed_until=now + LEASE, started_at=now),
            execution_options={"synchronize_session": False},
        )
        return import_id if taken.rowcount == 1 else None


def _add_errors(row: CsvImport, errors: Sequence[RowError]) -> None:
    kept = list(row.errors or [])
    room = MAX_KEPT_ERRORS - len(kept)
    if room > 0:
        kept += [[e.line, e.field, e.message] for e in errors[:room]]
    row.errors = kept
    row.error_count += len(errors)


def run_due_imports(
    session_factory: SessionFactory, now: datetime | None = None, *, max_imports: int = 5
) -> dict[str, int]:
    """Import what is queued, chunk by chunk; returns counts for the job's summary."""
    now = now or datetime.now(UTC)
    counts = {"imports": 0, "rows": 0, "failed": 0}
    for _ in range(max_imports):
        import_id = _claim(session_factory, now)
        if import_id is None:
            break
        counts["imports"] += 1
        rows, failed = _run_one(session_factory, import_id)
        counts["rows"] += rows
        counts["failed"] += int(failed)
    return counts


def _run_one(session_factory: SessionFactory, import_id: int) -> tuple[int, bool]:
    with session_factory() as session:
        row = session.get(CsvImport, import_id)
        assert row is not None
        parsed = _parse(row)
        kind, done = row.kind, row.processed_rows
    pending = parsed.rows[done:]
    imported = 0
    for chunk in imports.chunks(pending, CHUNK_SIZE):
        try:
            with session_factory() as session, session.begin():
                summary = imports.import_chunk(session, chunk, kind)
                row = session.get(CsvImport, import_id)
                assert row is not None
                row.processed_rows += len(chunk)
                row.created += summary.created
                row.updated += summary.updated
                _add_errors(row, summary.errors)
                row.claimed_until = datetime.now(UTC) + LEASE
            imported += len(chunk)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            message = (
                f"The import stopped at line {chunk[0].line}: the database refused the rows "
                f"({reason}). Lines before it were saved."
            )
            _finish(session_factory, import_id, parsed, "failed", message, chunk[0].line)
            return imported, True
    _finish(session_factory, import_id, parsed, "done", None)
    return imported, False


def _finish(
    session_factory: SessionFactory,
    import_id: int,
    parsed: ParsedFile,
    status: str,
    message: str | None,
    stopped_at: int | None = None,
) -> None:
    with session_factory() as session, session.begin():
        row = session.get(CsvImport, import_id)
        assert row is not None
        rejected = {line for line, _, _ in row.errors or []}
        _add_errors(row, imports.duplicate_errors(parsed.duplicates, rejected, stopped_at))
        imported = row.created + row.updated
        rows_with_errors = len({line for line, _, _ in row.errors or []})
        line = (
            f"Imported {imported:,} {row.kind[:-1] if imported == 1 else row.kind} "
            f"({row.created:,} new, {row.updated:,} updated)"
        )
        line += (
            f"; {rows_with_errors:,} {'row' if rows_with_errors == 1 else 'rows'} had errors "
            "(listed below)."
            if rows_with_errors
            else "; no errors."
        )
        row.status = status
        row.message = message or line
        row.finished_at = datetime.now(UTC)
        row.claimed_until = None


def percent(row: CsvImport) -> int:
    """How far the import is, for the progress bar."""
    if row.status == "done":
        return 100
    return int(100 * row.processed_rows / row.total_rows) if row.total_rows else 0
