"""`flask contacts import` and `flask seed-demo`, run through Flask's CLI test runner.

The runner invokes commands inside the test's app context, so they use the test's session and
its rolled-back transaction.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from feedback.cli import common as cli_common
from feedback.demo import data as demo_data
from feedback.models import Account, Contact, Response, Team, User

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=list(args), catch_exceptions=False)

    return invoke


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- contacts import


def test_import_keeps_valid_rows_and_lists_bad_ones_by_line(run, session, make_account):
    make_account(external_id="ACME-1", domains=["acme.example"])
    result = run("contacts", "import", str(DATA / "contacts_with_errors.csv"))
    assert result.exit_code == 1, result.output  # rows were rejected: a script must notice
    assert "5 rows were rejected (listed above) and not imported." in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("line 4: email: 'bob@' is not a valid email address")
    assert lines[1:6] == [
        "line 5: account_external_id: No account has the external id 'NOPE-9'.",
        "line 6: signed_up_on: '2024-13-45' is not a date; use YYYY-MM-DD.",
        "line 7: timezone: 'Mars/Olympus' is not a known time zone; use an IANA name like "
        "Europe/Berlin.",
        "line 8: email: 'ADA@acme.example' repeats the email on line 2; only the first was "
        "imported.",
        "Imported 3 contacts (3 new, 0 updated); 5 rows had errors (listed above).",
    ]
    emails = set(session.scalars(select(Contact.email)))
    assert emails == {"ada@acme.example", "grace@other.example", "fay@acme.example"}


def test_importing_the_same_file_again_updates(run, make_account):
    make_account(external_id="ACME-1", domains=["acme.example"])
    run("contacts", "import", str(DATA / "contacts_with_errors.csv"))
    result = run("contacts", "import", str(DATA / "contacts_with_errors.csv"))
    assert "Imported 3 contacts (0 new, 3 updated); 5 rows had errors" in result.stdout


def test_import_of_a_semicolon_file_with_bom_and_attribute_columns(run, session):
    result = run("contacts", "import", str(DATA / "contacts_semicolon_bom.csv"))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Imported 2 contacts (2 new, 0 updated); no errors."
    jurgen = session.scalar(select(Contact).where(Contact.email == "jurgen@muller.example"))
    assert jurgen.name == "Jürgen Müller"
    assert jurgen.timezone == "Europe/Berlin"
    assert str(jurgen.signed_up_on) == "2024-02-29"
    assert jurgen.attributes == {"team_size": "12"}


@pytest.fixture
def terminal(monkeypatch):
    """stderr as a terminal: the commands draw their progress bars."""
    monkeypatch.setattr(cli_common, "on_terminal", lambda: True)


def test_large_file_is_imported_in_chunks_with_line_numbers_across_them(
    run, session, tmp_path, terminal
):
    rows = [f"person{n}@bulk.example,Person {n}" for n in range(2500)]
    rows[1998] = "broken@,Broken"  # file line 2,000
    path = tmp_path / "bulk.csv"
    path.write_text("email,name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = run("contacts", "import", str(path))
    assert result.exit_code == 1, result.output
    assert "1 row was rejected (listed above)" in result.stderr
    assert result.stdout.startswith("line 2000: email: 'broken@' is not a valid email address")
    assert "Imported 2,499 contacts (2,499 new, 0 updated); 1 row had errors" in result.stdout
    assert "Importing 2,500 rows" in result.stderr
    assert count(session, Contact) == 2499


def test_no_progress_bar_off_a_terminal(run, tmp_path):
    path = tmp_path / "quiet.csv"
    path.write_text("email\nann@x.example\n", encoding="utf-8")
    result = run("contacts", "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # a cron job's mail or a log gets the result, no bar


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "no such file"),
        ("contacts.xlsx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5", "not a UTF-8"),
        ("nul.csv", b"email\x00name\n", "binary data"),
        ("empty.csv", b"", "The file is empty"),
        ("header-only.csv", b"email,name\n", "has a header line but no contacts"),
        (
            "no-email.csv",
            (DATA / "contacts_no_email_column.csv").read_bytes(),
            "no email column (columns found: 'name', 'timezone')",
        ),  # fmt: skip
        (
            "all-bad.csv",
            (DATA / "contacts_all_invalid.csv").read_bytes(),
            "No contacts were imported: every row had errors",
        ),  # fmt: skip
    ],
)
def test_import_fails_with_status_1_and_a_message(run, session, tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run("contacts", "import", str(path))
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert count(session, Contact) == 0


def test_import_of_only_invalid_rows_still_lists_them(run, tmp_path):
    result = run("contacts", "import", str(DATA / "contacts_all_invalid.csv"))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("line 2: email: 'bob@'")
    assert result.stdout.splitlines()[1].startswith("line 3: email: 'not-an-email'")
    assert "Imported 0 contacts (0 new, 0 updated); 2 rows had errors" in result.stdout


def test_one_row_is_one_row_and_a_clean_import_exits_0(run, session, tmp_path, terminal):
    path = tmp_path / "one.csv"
    path.write_text("email,name,locale\nann@x.example,Ann,pt-BR\n", encoding="utf-8")
    result = run("contacts", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "Importing 1 row" in result.stderr and "Importing 1 rows" not in result.stderr
    assert result.stdout.strip() == "Imported 1 contact (1 new, 0 updated); no errors."
    assert session.scalar(select(Contact.locale)) == "pt-BR"


def test_an_unknown_locale_is_refused(run, session, tmp_path):
    path = tmp_path / "klingon.csv"
    path.write_text("email,locale\nworf@x.example,klingon\nann@x.example,de\n")
    result = run("contacts", "import", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "line 2: locale: 'klingon' is not a known locale; use one such as en or pt-BR."
    )
    assert set(session.scalars(select(Contact.email))) == {"ann@x.example"}


def test_a_duplicate_of_a_rejected_row_says_the_first_was_rejected(run, session, tmp_path):
    path = tmp_path / "dupes.csv"
    path.write_text(
        "email,locale\nworf@x.example,klingon\nWORF@x.example,en\n"
        "ann@x.example,de\nann@x.example,fr\n"
    )
    result = run("contacts", "import", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:3] == [
        "line 2: locale: 'klingon' is not a known locale; use one such as en or pt-BR.",
        "line 3: email: 'WORF@x.example' repeats the email on line 2, which was rejected too; "
        "fix line 2 and import the file again.",
        "line 5: email: 'ann@x.example' repeats the email on line 4; only the first was imported.",
    ]
    assert "3 rows were rejected" in result.stderr
    assert session.scalar(select(Contact.locale).where(Contact.email == "ann@x.example")) == "de"


def test_a_directory_is_refused(run, tmp_path):
    result = run("contacts", "import", str(tmp_path))
    assert result.exit_code == 1
    assert "is a directory" in result.stderr


# ---------------------------------------------------------------- seed-demo


def test_seed_demo_builds_the_tenant_and_prints_how_to_sign_in(run, session, client):
    result = run("seed-demo", "--seed", "5")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no progress bar off a terminal
    assert "3 teams, 6 staff users, 40 accounts, 300 contacts, 2 survey programs" in result.stdout
    assert (
        f"as {demo_data.ADMIN_EMAIL} / {demo_data.PASSWORD} (also csm1@demo.example"
        in result.stdout
    )
    assert (count(session, Team), count(session, User), count(session, Account)) == (3, 6, 40)
    assert count(session, Contact) == 300
    assert count(session, Response) > 300

    response = client.post(
        "/login", data={"email": demo_data.ADMIN_EMAIL, "password": demo_data.PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_seed_demo_refuses_a_database_with_data_unless_reset(run, session, make_user):
    make_user("admin")
    result = run("seed-demo")
    assert result.exit_code == 1
    assert "The database already has data (1 staff users)" in result.stderr
    assert "--reset" in result.stderr
    assert count(session, Contact) == 0


def test_seed_demo_reset_replaces_an_earlier_demo_and_keeps_other_data(
    run, session, make_user, terminal
):
    own = make_user("admin")
    assert run("seed-demo", "--reset").exit_code == 0
    assert run("seed-demo").exit_code == 1
    result = run("seed-demo", "--reset")
    assert result.exit_code == 0, result.output
    assert "Seeding the demo" in result.stderr  # on a terminal, the bar
    deleted = "Deleted the earlier demo data (5 backlog items, 300 contacts, 2 survey programs"
    assert deleted in result.stdout
    assert count(session, Contact) == 300
    assert session.scalar(select(User.email).where(User.id == own.id)) == own.email
    assert count(session, User) == 7


def test_seed_demo_refuses_production(app, run):
    app.config["ENV"] = "production"
    result = run("seed-demo")
    assert result.exit_code == 1
    assert "does not run with FEEDBACK_ENV=production" in result.stderr


# ---------------------------------------------------------------- API tokens


def test_tokens_create_prints_a_scoped_token_once(run, session, make_user):
    from feedback.models import ApiToken

    user = make_user("admin")
    result = run("tokens", "create", "--email", user.email, "--name", "CRM",
                 "--read-only", "--resource", "tasks", "--resource", "contacts")  # fmt: skip
    assert result.exit_code == 0, result.output
    row = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert (row.access, row.resources) == ("read", "contacts,tasks")
    assert "read-only: contacts, tasks" in result.output
    result = run("tokens", "create", "--email", user.email)
    assert "read-write: all resources" in result.output
