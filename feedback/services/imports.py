"""Contact (and account) import from CSV: parse the text into rows with their line numbers,
then upsert them in chunks so one bad row costs only itself.

The one definition of what a good file and a good row are, for the CLI (`contacts import`)
and the browser's upload (services/csv_imports): same parser, same column names, same checks.

Parsing is pure (text in, rows and problems out) so the odd files people export from
spreadsheets are tested with strings; `import_chunk` is the one step that touches the session,
and the caller (the CLI) commits after each chunk so a long import keeps what it has done.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.customer_fields import ACCOUNT_FIELDS, normalise_email
from feedback.models import Contact
from feedback.services.accounts import check_accounts, upsert_accounts
from feedback.services.contacts import check_contacts, upsert_contacts
from feedback.services.errors import InvalidInput

CHUNK_SIZE = 1000
KNOWN_COLUMNS = (
    "email", "name", "account_external_id", "timezone", "locale", "signed_up_on",
    "unsubscribed", "bounced",
)  # fmt: skip
# Spellings spreadsheets and CRMs use for the same columns, after normalising the header.
ALIASES = {
    "e_mail": "email",
    "email_address": "email",
    "time_zone": "timezone",
    "tz": "timezone",
    "language": "locale",
    "account_id": "account_external_id",
    "external_account_id": "account_external_id",
    "signed_up": "signed_up_on",
    "signup_date": "signed_up_on",
}
DELIMITERS = ",;\t"
ACCOUNT_COLUMNS = tuple(f for f in ACCOUNT_FIELDS if f != "attributes")
ACCOUNT_ALIASES = {
    "account_id": "external_id",
    "crm_id": "external_id",
    "account_name": "name",
    "company": "name",
    "domain": "domains",
    "owner": "owner_email",
    "time_zone": "timezone",
    "tz": "timezone",
}


@dataclass(frozen=True)
class Kind:
    """What one kind of file holds: its key column (required, one row per key), its known
    columns and the spellings people use for them; any other column is an attribute."""

    name: str
    key: str
    known: tuple[str, ...]
    aliases: dict[str, str]


KINDS = {
    "contacts": Kind("contacts", "email", KNOWN_COLUMNS, ALIASES),
    "accounts": Kind("accounts", "external_id", ACCOUNT_COLUMNS, ACCOUNT_ALIASES),
}


class ImportFileError(InvalidInput):
    """The file as a whole cannot be imported (not CSV, no email column, no rows)."""


@dataclass(frozen=True)
class ParsedRow:
    """One data row: its first line in the file (the header is line 1) and the contact fields."""

    line: int
    data: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return (
            f"line {self.line}: {self.field}: {self.message}"
            if self.field
            else (f"line {self.line}: {self.message}")
        )


@dataclass(frozen=True)
class Duplicate:
    """A row whose email an earlier row of the file already has; never imported itself."""

    line: int
    first_line: int
    email: str


@dataclass
class ParsedFile:
    columns: list[str]  # normalised header names, in file order
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)  # rows refused before the database
    warnings: list[str] = field(default_factory=list)
    # Reported after the import, when it is known whether the first row was imported.
    duplicates: list[Duplicate] = field(default_factory=list)

    @property
    def attribute_columns(self) -> list[str]:
        return [c for c in self.columns if c not in KNOWN_COLUMNS]


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def add(self, other: ImportSummary) -> None:
        self.created += other.created
        self.updated += other.updated
        self.errors.extend(other.errors)

    def summary_line(self) -> str:
        rows_with_errors = len({e.line for e in self.errors})
        text = (
            f"Imported {self.imported:,} contact{'' if self.imported == 1 else 's'} "
            f"({self.created:,} new, {self.updated:,} updated)"
        )
        if rows_with_errors:
            verb = "row had" if rows_with_errors == 1 else "rows had"
            return f"{text}; {rows_with_errors:,} {verb} errors (listed above)."
        return f"{text}; no errors."


def normalise_header(name: str, kind: str = "contacts") -> str:
    """'Signed up on', 'SIGNED-UP-ON' and ' signed_up_on ' all become 'signed_up_on'."""
    key = "_".join(name.strip().lstrip("\ufeff").lower().replace("-", " ").split())
    return KINDS[kind].aliases.get(key, key)


def read_header(text: str) -> list[str]:
    """The header line's cells as written (the browser's mapping shows them)."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        return [cell.strip() for cell in next(reader, [])]
    except csv.Error as exc:
        raise ImportFileError(f"The header line is not valid CSV: {exc}.") from None


def sniff_delimiter(text: str) -> str:
    """',' or ';' (or a tab), from a sample; Excel in much of Europe writes ';'."""
    sample = text[: 64 * 1024]
    header = sample.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ""
    if not delimiter or delimiter not in header:
        # The sniffer guesses from every line; the header is the line that must split.
        counts = {d: header.count(d) for d in DELIMITERS}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    return delimiter


def parse_contacts_csv(text: str) -> ParsedFile:
    """Rows of a contacts CSV as upsert_contacts dicts, each with the line it starts on."""
    return parse_csv(text, "contacts")


def parse_csv(
    text: str, kind: str = "contacts", mapping: Sequence[str] | None = None
) -> ParsedFile:
    """Rows of a contacts or accounts CSV as upsert dicts, each with the line it starts on.

    Empty cells are left out, so a blank cell never erases what is stored. Columns other than
    the known fields become string attributes. `mapping` (the browser's choice per column:
    a field, an attribute name, or "" to ignore it) replaces the names in the header line.
    Raises ImportFileError for a file that cannot be read as such a CSV at all.
    """
    spec = KINDS[kind]
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise ImportFileError("The file is not a CSV text file (it contains binary data).")
    if not text.strip():
        raise ImportFileError("The file is empty; the first line must be a header with email.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ImportFileError(f"The header line is not valid CSV: {exc}.") from None
    if mapping is not None:
        columns = [normalise_header(m, kind) if m else "" for m in mapping]
        columns += [""] * (len(header) - len(columns))
    else:
        columns = [normalise_header(h, kind) for h in header]
    parsed = ParsedFile(columns=[c for c in columns if c])
    if spec.key not in columns:
        found = ", ".join(repr(h.strip()) for h in header if h.strip()) or "none"
        raise ImportFileError(
            f"The header line has no {spec.key} column (columns found: {found}). "
            f"The first line must name the columns, one of them '{spec.key}'.",
            {"mapping": [f"Choose the column that holds the {spec.key}."]},
        )
    seen_columns: set[str] = set()
    for name in columns:
        if name in seen_columns:
            raise ImportFileError(
                f"Column {name!r} appears twice in the header line.",
                {"mapping": [f"{name!r} is chosen for two columns; choose it once."]},
            )
        if name:
            seen_columns.add(name)
    unnamed_used: set[int] = set()

    first_line_of_emails: dict[str, int] = {}
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            parsed.errors.append(RowError(line, "", f"not valid CSV: {exc}."))
            break
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            parsed.errors.append(RowError(
                start, "",
                f"has {len(cells)} cells but the header names {len(columns)} columns "
                "(a value with the delimiter in it needs quotes).",
            ))  # fmt: skip
            continue
        data: dict[str, Any] = {}
        attributes: dict[str, str] = {}
        for index, cell in enumerate(cells):
            value = cell.strip()
            name = columns[index]
            if not value:
                continue
            if not name:
                if mapping is None:
                    unnamed_used.add(index)
            elif name == "domains" and kind == "accounts":
                data[name] = [d for d in value.replace(";", " ").replace(",", " ").split() if d]
            elif name in spec.known:
                data[name] = value
            else:
                attributes[name] = value
        if attributes:
            data["attributes"] = attributes
        email = data.get(spec.key)
        if email is None:
            what = "An email address" if spec.key == "email" else f"A value for {spec.key}"
            parsed.errors.append(RowError(start, spec.key, f"{what} is required."))
            continue
        key = _email_key(email) if spec.key == "email" else email.strip()
        if key in first_line_of_emails:
            parsed.duplicates.append(Duplicate(start, first_line_of_emails[key], email))
            continue
        first_line_of_emails[key] = start
        parsed.rows.append(ParsedRow(start, data))
    for index in sorted(unnamed_used):
        parsed.warnings.append(
            f"Column {index + 1} has no name in the header line; its values were not imported."
        )
    return parsed


def duplicate_errors(
    duplicates: Sequence[Duplicate], rejected_lines: set[int], stopped_at: int | None = None
) -> list[RowError]:
    """Each repeated email blamed on its own (later) line, saying truly what became of the
    first: imported, or rejected itself, or not reached because the import stopped."""
    errors = []
    for dup in duplicates:
        said = f"{dup.email!r} repeats the email on line {dup.first_line}"
        if dup.first_line in rejected_lines:
            message = (
                f"{said}, which was rejected too; fix line {dup.first_line} and import the "
                "file again."
            )
        elif stopped_at is not None and dup.first_line >= stopped_at:
            message = f"{said}; neither was imported because the import stopped."
        else:
            message = f"{said}; only the first was imported."
        errors.append(RowError(dup.line, "email", message))
    return errors


def _email_key(email: str) -> str:
    try:
        return normalise_email(email)
    except ValueError:
        return email.strip().lower()


def chunks(rows: Sequence[ParsedRow], size: int = CHUNK_SIZE) -> Iterator[Sequence[ParsedRow]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def check_rows(
    session: Session, rows: Sequence[ParsedRow], kind: str = "contacts"
) -> list[RowError]:
    """Every row's errors, found by the same checks the import makes, writing nothing."""
    data = [row.data for row in rows]
    found = check_contacts(session, data) if kind == "contacts" else check_accounts(session, data)
    return [
        RowError(rows[index].line, name, message)
        for index, fields in found
        for name, messages in fields.items()
        for message in messages
    ]


def import_chunk(
    session: Session, rows: Sequence[ParsedRow], kind: str = "contacts"
) -> ImportSummary:
    """Upsert one chunk, keeping the valid rows; flushes, the caller commits."""
    summary = ImportSummary()
    if kind == "accounts":
        results = upsert_accounts(session, [dict(r.data) for r in rows], all_or_nothing=False)
    else:
        results = upsert_contacts(session, _merge_attributes(session, rows), all_or_nothing=False)
    for result in results:
        line = rows[result.index].line
        if result.status == "created":
            summary.created += 1
        elif result.status == "updated":
            summary.updated += 1
        else:
            for name, messages in result.errors.items():
                for message in messages:
                    summary.errors.append(RowError(line, name, message))
    return summary


def _merge_attributes(session: Session, rows: Sequence[ParsedRow]) -> list[dict[str, Any]]:
    """The rows to upsert, with attribute columns added to what a contact already has: a file
    with a 'plan_tier' column must not erase the 'role' the CRM sync set."""
    wanted = sorted({_email_key(row.data["email"]) for row in rows if "attributes" in row.data})
    stored: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):  # well under SQLite's variable limit
        batch = wanted[start : start + 500]
        for email, attributes in session.execute(
            select(Contact.email, Contact.attributes).where(Contact.email.in_(batch))
        ):
            stored[email] = attributes or {}
    merged = []
    for row in rows:
        data = dict(row.data)
        if "attributes" in data:
            data["attributes"] = {**stored.get(_email_key(data["email"]), {}), **data["attributes"]}
        merged.append(data)
    return merged
