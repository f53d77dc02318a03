"""Contact CSV import: parsing (pure) and the chunked upsert that keeps valid rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from feedback.models import Contact
from feedback.services import imports
from feedback.services.imports import (
    Duplicate,
    ImportFileError,
    ImportSummary,
    RowError,
    duplicate_errors,
    parse_contacts_csv,
)

DATA = Path(__file__).resolve().parent.parent / "data"


def read(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8-sig")


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Email", "email"),
        (" E-Mail ", "email"),
        ("Signed-Up On", "signed_up_on"),
        ("ACCOUNT EXTERNAL ID", "account_external_id"),
        ("time zone", "timezone"),
        ("Team  Size", "team_size"),
        ("\ufeffemail", "email"),
    ],
)
def test_headers_are_matched_case_insensitively_with_spaces_and_dashes(header, expected):
    assert imports.normalise_header(header) == expected


def test_rows_carry_the_line_they_start_on():
    parsed = parse_contacts_csv(read("contacts_with_errors.csv"))
    assert [r.line for r in parsed.rows] == [2, 3, 4, 5, 6, 7, 10]
    assert parsed.rows[1].data == {
        "email": "grace@other.example",
        "name": "Hopper, Grace",
        "timezone": "America/New_York",
    }


def test_duplicate_email_in_the_file_is_reported_against_the_first_line():
    parsed = parse_contacts_csv(read("contacts_with_errors.csv"))
    assert parsed.errors == []
    assert parsed.duplicates == [Duplicate(8, 2, "ADA@acme.example")]
    assert [str(e) for e in duplicate_errors(parsed.duplicates, set())] == [
        "line 8: email: 'ADA@acme.example' repeats the email on line 2; "
        "only the first was imported."
    ]
    assert [str(e) for e in duplicate_errors(parsed.duplicates, {2})] == [
        "line 8: email: 'ADA@acme.example' repeats the email on line 2, which was rejected "
        "too; fix line 2 and import the file again."
    ]
    assert [str(e) for e in duplicate_errors(parsed.duplicates, set(), stopped_at=2)] == [
        "line 8: email: 'ADA@acme.example' repeats the email on line 2; neither was imported "
        "because the import stopped."
    ]


def test_other_columns_become_string_attributes_and_empty_cells_are_left_out():
    parsed = parse_contacts_csv(read("contacts_with_errors.csv"))
    first, last = parsed.rows[0].data, parsed.rows[-1].data
    assert first["attributes"] == {"plan_tier": "gold"}
    assert last == {
        "email": "fay@acme.example",
        "name": "Fay",
        "timezone": "Europe/Berlin",
        "locale": "de",
        "signed_up_on": "2024-05-06",
        "unsubscribed": "yes",
        "attributes": {"plan_tier": "silver"},
    }
    assert "attributes" not in parsed.rows[1].data
    assert parsed.attribute_columns == ["plan_tier"]


def test_bom_semicolons_and_crlf():
    raw = (DATA / "contacts_semicolon_bom.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    parsed = parse_contacts_csv(raw.decode("utf-8"))  # the BOM left in on purpose
    assert parsed.columns == [
        "email", "name", "timezone", "signed_up_on", "team_size", "favourite_colour",
    ]  # fmt: skip
    assert [r.line for r in parsed.rows] == [2, 3]
    assert parsed.rows[0].data == {
        "email": "jurgen@muller.example",
        "name": "Jürgen Müller",
        "timezone": "Europe/Berlin",
        "signed_up_on": "2024-02-29",
        "attributes": {"team_size": "12"},
    }
    assert parsed.rows[1].data["attributes"] == {"team_size": "3", "favourite_colour": "blau"}


def test_a_quoted_value_over_several_lines_keeps_later_line_numbers_right():
    text = 'email,name,notes\na@x.example,A,"one\ntwo\nthree"\nb@,B,\nc@x.example,C,\n'
    parsed = parse_contacts_csv(text)
    assert [r.line for r in parsed.rows] == [2, 5, 6]
    assert parsed.rows[0].data["attributes"] == {"notes": "one\ntwo\nthree"}


def test_single_column_file_and_tab_separated_file():
    assert [r.data for r in parse_contacts_csv("email\na@x.example\n").rows] == [
        {"email": "a@x.example"}
    ]
    parsed = parse_contacts_csv("email\tname\na@x.example\tA, B\n")
    assert parsed.rows[0].data == {"email": "a@x.example", "name": "A, B"}


def test_a_row_with_more_cells_than_columns_is_refused_with_advice():
    parsed = parse_contacts_csv("email,name\na@x.example,Doe, Jane\nb@x.example,B\n")
    assert [r.line for r in parsed.rows] == [3]
    assert "line 2: has 3 cells but the header names 2 columns" in str(parsed.errors[0])


def test_a_row_without_email_is_an_error_not_a_skip():
    parsed = parse_contacts_csv("email,name\n,Nameless\n")
    assert [str(e) for e in parsed.errors] == ["line 2: email: An email address is required."]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("  \n\n", "empty"),
        (
            "name,timezone\nAda,Europe/London\n",
            "no email column (columns found: 'name', 'timezone')",
        ),
        ("email,Email\na@x.example,b@x.example\n", "'email' appears twice"),
        ("PK\x03\x04\x00\x00binary", "binary"),
    ],
)
def test_files_that_cannot_be_imported_say_why(text, message):
    with pytest.raises(ImportFileError) as caught:
        parse_contacts_csv(text)
    assert message in caught.value.message


def test_summary_line_wording():
    summary = ImportSummary(created=1100, updated=104)
    summary.errors = [RowError(7, "email", "x"), RowError(7, "name", "y"), RowError(9, "", "z"),
                      RowError(12, "timezone", "w")]  # fmt: skip
    assert summary.summary_line() == (
        "Imported 1,204 contacts (1,100 new, 104 updated); 3 rows had errors (listed above)."
    )
    assert ImportSummary(created=1).summary_line() == (
        "Imported 1 contact (1 new, 0 updated); no errors."
    )


# ---------------------------------------------------------------- writing


def test_chunk_keeps_valid_rows_and_reports_bad_ones_by_line(session, make_account):
    make_account(external_id="ACME-1", domains=["acme.example"])
    parsed = parse_contacts_csv(read("contacts_with_errors.csv"))
    summary = imports.import_chunk(session, parsed.rows)
    session.commit()
    assert (summary.created, summary.updated) == (3, 0)
    messages = [str(e) for e in summary.errors]
    assert messages[0].startswith("line 4: email: 'bob@' is not a valid email address")
    assert messages[1:] == [
        "line 5: account_external_id: No account has the external id 'NOPE-9'.",
        "line 6: signed_up_on: '2024-13-45' is not a date; use YYYY-MM-DD.",
        "line 7: timezone: 'Mars/Olympus' is not a known time zone; use an IANA name like "
        "Europe/Berlin.",
    ]
    contacts = {c.email: c for c in session.scalars(select(Contact))}
    assert set(contacts) == {"ada@acme.example", "grace@other.example", "fay@acme.example"}
    assert contacts["ada@acme.example"].account is not None
    assert contacts["ada@acme.example"].account.external_id == "ACME-1"
    assert contacts["fay@acme.example"].unsubscribed is True
    assert contacts["fay@acme.example"].attributes == {"plan_tier": "silver"}
    assert contacts["fay@acme.example"].account_id == contacts["ada@acme.example"].account_id


def test_importing_again_updates_and_blank_cells_keep_stored_values(session):
    first = parse_contacts_csv("email,name,locale\na@x.example,Ann,de\n")
    imports.import_chunk(session, first.rows)
    session.commit()
    again = parse_contacts_csv("email,name,locale\nA@X.example,Ann B,\n")
    summary = imports.import_chunk(session, again.rows)
    session.commit()
    assert (summary.created, summary.updated) == (0, 1)
    contact = session.scalar(select(Contact).where(Contact.email == "a@x.example"))
    assert (contact.name, contact.locale) == ("Ann B", "de")


def test_chunks_split_rows_in_order():
    rows = [imports.ParsedRow(n, {}) for n in range(2, 2502)]
    sizes = [len(c) for c in imports.chunks(rows, 1000)]
    assert sizes == [1000, 1000, 500]


def test_attribute_columns_are_added_to_a_contacts_stored_attributes(session, make_contact):
    make_contact(email="a@x.example", attributes={"role": "Admin", "tier": "bronze"})
    parsed = parse_contacts_csv("email,tier,seats\nA@x.example,gold,\n")
    imports.import_chunk(session, parsed.rows)
    session.commit()
    contact = session.scalar(select(Contact).where(Contact.email == "a@x.example"))
    assert contact.attributes == {"role": "Admin", "tier": "gold"}


def test_a_column_without_a_name_is_warned_about_when_it_has_values():
    parsed = parse_contacts_csv("email,,name\na@x.example,oops,A\nb@x.example,,B\n")
    assert parsed.warnings == [
        "Column 2 has no name in the header line; its values were not imported."
    ]
    assert parsed.rows[0].data == {"email": "a@x.example", "name": "A"}
