"""CSV import from the browser: upload, a preview with the column mapping and every line's
errors before anything is written, the mapping fixed, the import run as a job with its
progress on the page; the same checks and words as `flask contacts import`."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from feedback.models import Account, Contact, CsvImport
from feedback.services import csv_imports
from jobs.registry import run_job

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def admin(login, make_user):
    return login(make_user("admin"))


def page(response, status: int = 200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return html.unescape(response.get_data(as_text=True))


def upload(client, content: bytes, kind: str = "contacts", name: str = "people.csv"):
    return client.post(
        "/admin/contacts/import",
        data={"kind": kind, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def uploaded_id(answer) -> int:
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    return int(re.search(r"/import/(\d+)$", answer.headers["Location"]).group(1))


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_preview_lists_every_line_error_like_the_cli_and_writes_nothing(
    admin, session, make_account
):
    make_account(external_id="ACME-1", domains=["acme.example"])
    before = count(session, Contact)
    import_id = uploaded_id(upload(admin, (DATA / "contacts_with_errors.csv").read_bytes()))
    body = page(admin.get(f"/admin/contacts/import/{import_id}"))
    assert "Nothing is saved yet" in body
    assert "8 rows in the file; 3 can be imported; 5 with errors" in body
    for line, message in (
        (4, "'bob@' is not a valid email address"),
        (5, "No account has the external id 'NOPE-9'."),
        (6, "'2024-13-45' is not a date; use YYYY-MM-DD."),
        (7, "'Mars/Olympus' is not a known time zone"),
        (8, "'ADA@acme.example' repeats the email on line 2"),
    ):
        assert re.search(rf"<td>{line}</td><td>[a-z_]+</td><td>[^<]*{re.escape(message)}", body)
    # The mapping read from the header: one select per column, "Plan Tier" as an attribute.
    assert body.count('name="column"') == 9
    assert "Attribute “plan_tier”" in body
    assert "Import 3 contacts" in body
    assert count(session, Contact) == before


def test_fix_the_mapping_then_import_with_progress(admin, app, session):
    csv = b"Mail,Full name,Tier\nann@a.example,Ann,gold\nnot-an-email,Bad,\nbo@b.example,Bo,\n"
    import_id = uploaded_id(upload(admin, csv))
    body = page(admin.get(f"/admin/contacts/import/{import_id}"))
    assert "The header line has no email column" in body  # nothing to import until mapped

    answer = admin.post(
        f"/admin/contacts/import/{import_id}/mapping", data={"column": ["email", "name", "tier"]}
    )
    assert answer.status_code == 303
    body = page(admin.get(f"/admin/contacts/import/{import_id}"))
    assert "3 rows in the file; 2 can be imported; 1 with errors" in body
    assert "'not-an-email' is not a valid email address" in body

    assert admin.post(f"/admin/contacts/import/{import_id}/start").status_code == 303
    body = page(admin.get(f"/admin/contacts/import/{import_id}"))
    assert '<meta http-equiv="refresh" content="2">' in body
    assert "Waiting to start" in body and 'value="0"' in body
    # Not yet written: the job does it.
    assert session.scalar(select(Contact).where(Contact.email == "ann@a.example")) is None

    summary = run_job(app, "run-imports", manual=True)
    assert summary == {"imports": 1, "rows": 3, "failed": 0}
    body = page(admin.get(f"/admin/contacts/import/{import_id}"))
    assert "Done" in body and 'value="100"' in body and "http-equiv" not in body
    assert "Imported 2 contacts (2 new, 0 updated); 1 row had errors (listed below)." in body
    assert "'not-an-email' is not a valid email address" in body
    ann = session.scalar(select(Contact).where(Contact.email == "ann@a.example"))
    assert (ann.name, ann.attributes) == ("Ann", {"tier": "gold"})
    # Started imports are not started or remapped twice.
    again = admin.post(f"/admin/contacts/import/{import_id}/start", follow_redirects=True)
    assert "is done; you can no longer start it again" in page(again)


def test_mapping_errors_are_shown_beside_the_columns(admin):
    import_id = uploaded_id(upload(admin, b"email,name\na@a.example,A\n"))
    url = f"/admin/contacts/import/{import_id}/mapping"
    body = page(admin.post(url, data={"column": ["email", "email"]}), 422)
    assert "'email' is chosen for two columns." in body
    body = page(admin.post(url, data={"column": ["email", "Not OK!"]}), 422)
    assert "is neither a field nor an attribute name" in body
    body = page(admin.post(url, data={"column": ["email"]}), 422)
    assert "The file has 2 columns; send one choice per column." in body


def test_progress_is_committed_chunk_by_chunk(admin, app, session, monkeypatch):
    monkeypatch.setattr(csv_imports, "CHUNK_SIZE", 2)
    rows = "".join(f"p{n}@chunks.example,P{n}\n" for n in range(5))
    import_id = uploaded_id(upload(admin, f"email,name\n{rows}".encode()))
    admin.post(f"/admin/contacts/import/{import_id}/start")
    seen: list[int] = []
    real = csv_imports.imports.import_chunk

    def watching(chunk_session, chunk, kind):
        with app.extensions["feedback.db"].sessionmaker() as other:
            seen.append(other.get(CsvImport, import_id).processed_rows)
        return real(chunk_session, chunk, kind)

    monkeypatch.setattr(csv_imports.imports, "import_chunk", watching)
    run_job(app, "run-imports", manual=True)
    assert seen == [0, 2, 4]  # another session saw each chunk's progress as it was committed
    session.expire_all()
    done = session.get(CsvImport, import_id)
    assert (done.status, done.processed_rows, done.created) == ("done", 5, 5)


def test_accounts_file(admin, app, session):
    csv = (
        b"CRM id,Company,Plan,Domains,ARR\n"
        b"A-1,Acme,gold,acme.example; acme.test,1200.50\n"
        b",NoId,,,\n"
    )
    import_id = uploaded_id(upload(admin, csv, kind="accounts"))
    body = page(admin.get(f"/admin/contacts/import/{import_id}"))
    assert "2 rows in the file; 1 can be imported; 1 with errors" in body
    assert "A value for external_id is required." in body
    admin.post(f"/admin/contacts/import/{import_id}/start")
    run_job(app, "run-imports", manual=True)
    acme = session.scalar(select(Account).where(Account.external_id == "A-1"))
    assert acme.name == "Acme" and str(acme.arr) == "1200.50"
    assert sorted(d.domain for d in acme.domains) == ["acme.example", "acme.test"]


def test_files_that_cannot_be_read_are_refused_at_upload(admin):
    body = page(upload(admin, "email\nzoë@x.example\n".encode("latin-1")), 422)
    assert "is not a UTF-8 text file" in body
    body = page(upload(admin, b""), 422)
    assert "Choose a CSV file to upload." in body
    body = page(upload(admin, b"email\x00\n"), 422)
    assert "binary data" in body


def test_imports_are_for_admins(client, login, make_user):
    login(make_user("csm"))
    assert client.get("/admin/contacts/import").status_code == 403
    assert upload(client, b"email\na@a.example\n").status_code == 403
