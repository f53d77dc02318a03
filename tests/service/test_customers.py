"""The customers service: validation messages, matching, upserts."""

from __future__ import annotations

import pytest

from feedback.services import accounts, contacts
from feedback.services.errors import Conflict, InvalidInput


def test_contact_matched_by_external_id_then_domain(session, make_account):
    by_id = make_account(external_id="CRM-7")
    by_domain = make_account(domains=["megacorp.com", "MegaCorp.de"])
    a = contacts.create_contact(
        session, {"email": "a@other.example", "account_external_id": "CRM-7"}
    )
    b = contacts.create_contact(session, {"email": "B@Sales.MegaCorp.de"})
    c = contacts.create_contact(session, {"email": "c@gmail.com"})
    assert (a.account_id, b.account_id, c.account_id) == (by_id.id, by_domain.id, None)
    assert b.email == "b@sales.megacorp.de"


def test_unknown_external_id_is_an_error_not_a_silent_domain_match(session, make_account):
    make_account(domains=["megacorp.com"])
    with pytest.raises(InvalidInput) as error:
        contacts.create_contact(session, {"email": "a@megacorp.com", "account_external_id": "X"})
    assert "account_external_id" in error.value.fields


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({}, "email"),
        ({"email": "a@b.example", "timezone": "Mars/Olympus"}, "timezone"),
        ({"email": "a@b.example", "signed_up_on": "31/12/2025"}, "signed_up_on"),
        ({"email": "a@b.example", "colour": "red"}, "colour"),
        ({"email": "a@b.example", "locale": "en US!"}, "locale"),
    ],
)
def test_contact_validation_names_the_field(session, data, field):
    with pytest.raises(InvalidInput) as error:
        contacts.create_contact(session, data)
    assert field in error.value.fields


def test_duplicate_contact_is_a_conflict(session, make_contact):
    make_contact(email="dup@x.example")
    with pytest.raises(Conflict):
        contacts.create_contact(session, {"email": "DUP@x.example"})


def test_free_mail_domain_cannot_be_given_to_an_account(session):
    with pytest.raises(InvalidInput) as error:
        accounts.create_account(session, {"name": "A", "domains": ["gmail.com"]})
    assert "free-mail" in error.value.fields["domains"][0]


def test_upsert_keeps_valid_rows_and_reports_bad_ones(session, make_contact):
    make_contact(email="old@x.example", name="Old")
    results = contacts.upsert_contacts(
        session,
        [{"email": "old@x.example", "name": "Renamed"}, {"email": "new@x.example"},
         {"email": "bad"}, {"email": "NEW@x.example"}],
        all_or_nothing=False,
    )  # fmt: skip
    assert [r.status for r in results] == ["updated", "created", "invalid", "invalid"]
    assert "Repeats row 2" in results[3].errors["email"][0]


def test_upsert_all_or_nothing_changes_nothing(session):
    from feedback.models import Contact

    with pytest.raises(InvalidInput) as error:
        contacts.upsert_contacts(
            session, [{"email": "ok@x.example"}, {"email": "bad"}], all_or_nothing=True
        )
    assert "1.email" in error.value.fields
    assert session.query(Contact).count() == 0


@pytest.mark.parametrize(
    ("upsert", "valid"),
    [
        (contacts.upsert_contacts, {"email": "ok@x.example"}),
        (accounts.upsert_accounts, {"external_id": "CRM-1", "name": "Fine"}),
    ],
)
def test_bulk_upserts_refuse_a_row_that_is_not_an_object_alike(session, upsert, valid):
    """One refusal for both bulk upserts: a row that is not an object is reported under its
    position alone ("1"), never under a blank field name ("1.")."""
    from feedback.models import Account, Contact

    with pytest.raises(InvalidInput) as error:
        upsert(session, [valid, "not a row"], all_or_nothing=True)
    assert error.value.fields == {"1": ["Must be an object."]}
    assert error.value.message.startswith("1 of 2 ")
    assert session.query(Contact).count() == 0 and session.query(Account).count() == 0


def test_upsert_does_not_undo_an_external_id_match(session, make_account):
    crm = make_account(external_id="CRM-9")
    make_account(domains=["shared.example"])
    contacts.upsert_contact(session, {"email": "p@shared.example", "account_external_id": "CRM-9"})
    contact, created = contacts.upsert_contact(session, {"email": "p@shared.example", "name": "P"})
    assert not created and contact.account_id == crm.id
