"""Database constraints hold even when a caller skips the services."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from feedback.models import Account, AccountDomain, Contact, Team, User


def _fails(session, *rows):
    session.add_all(rows)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_contact_email_is_unique(session):
    session.add(Contact(email="a@x.example", attributes={}))
    session.flush()
    _fails(session, Contact(email="a@x.example", attributes={}))


def test_contact_email_must_be_lower_case(session):
    _fails(session, Contact(email="A@x.example", attributes={}))


def test_user_role_is_checked(session):
    _fails(session, User(email="u@x.example", name="U", role="superuser"))


def test_user_email_is_unique(session):
    session.add(User(email="u@x.example", name="U", role="csm"))
    session.flush()
    _fails(session, User(email="u@x.example", name="V", role="admin"))


def test_account_status_and_arr_are_checked(session):
    _fails(session, Account(name="A", status="sleeping", attributes={}))
    _fails(session, Account(name="A", arr=-1, attributes={}))


def test_account_external_id_and_domains_are_unique(session):
    session.add(Account(name="A", external_id="CRM-1", attributes={}))
    session.flush()
    _fails(session, Account(name="B", external_id="CRM-1", attributes={}))
    account = Account(name="C", attributes={}, domains=[AccountDomain(domain="c.example")])
    session.add(account)
    session.flush()
    _fails(session, AccountDomain(account_id=account.id, domain="c.example"))


def test_team_name_is_unique(session):
    session.add(Team(name="Support", department="Support"))
    session.flush()
    _fails(session, Team(name="Support", department="Other"))


def test_contact_foreign_key_is_enforced(session):
    _fails(session, Contact(email="z@x.example", account_id=999_999, attributes={}))


def test_deleting_an_account_keeps_its_contacts(session, make_account, make_contact):
    account = make_account(domains=["keep.example"])
    contact = make_contact(email="p@keep.example")
    assert contact.account_id == account.id
    session.delete(account)
    session.commit()
    session.refresh(contact)
    assert contact.account_id is None
