"""People and teams administration: lifecycle on pages and API, the last-admin guard, and
the audit rows every change leaves."""

from __future__ import annotations

from flask import g

from feedback.models import AuditEvent, Department, Team, User
from feedback.services import org
from tests.conftest import PASSWORD
from tests.http.api_helpers import error


def _events(session, **where):
    return session.query(AuditEvent).filter_by(**where).order_by(AuditEvent.id).all()


def test_admin_creates_edits_deactivates_and_reactivates_a_person(client, session, make_user,
                                                                  make_team, login):  # fmt: skip
    admin = make_user("admin")
    team = make_team()
    login(admin)
    response = client.post("/admin/people/new", data={
        "email": "New.CSM@staff.example.com", "name": "New CSM", "role": "csm",
        "team_id": str(team.id), "password": PASSWORD})  # fmt: skip
    assert response.status_code == 303
    person = session.query(User).filter_by(email="new.csm@staff.example.com").one()
    assert (person.role, person.team_id) == ("csm", team.id)

    response = client.post(
        f"/admin/people/{person.id}",
        data={"email": person.email, "name": "Renamed", "role": "team_lead", "team_id": ""},
    )
    assert response.status_code == 303
    session.refresh(person)
    assert (person.name, person.role, person.team_id) == ("Renamed", "team_lead", None)

    assert client.post(f"/admin/people/{person.id}/active", data={"active": "0"}).status_code == 303
    session.refresh(person)
    assert person.active is False
    assert client.post(f"/admin/people/{person.id}/active", data={"active": "1"}).status_code == 303
    session.refresh(person)
    assert person.active is True

    events = _events(session, target_type="user", target_id=person.id)
    assert [e.action for e in events] == ["user.created", "user.updated", "user.updated",
                                          "user.updated"]  # fmt: skip
    assert all(e.actor_user_id == admin.id for e in events)
    assert events[1].before == {"name": "New CSM", "role": "csm", "team_id": team.id}
    assert events[1].after == {"name": "Renamed", "role": "team_lead", "team_id": None}
    assert (events[2].before, events[2].after) == ({"active": True}, {"active": False})
    assert "password_hash" not in str(events[0].after)

    page = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "user.updated" in page and "Renamed" in page
    log = client.get(f"/admin/audit?actor={admin.id}&target_type=user").get_data(as_text=True)
    assert log.count("user.updated") == 3


def test_a_bad_person_form_says_what_is_wrong(client, make_user, login):
    login(make_user("admin"))
    response = client.post("/admin/people/new", data={"email": "nope", "name": "", "role": "x"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A name is required." in page and "Must be one of" in page


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, session, make_user,
                                                                 login):  # fmt: skip
    for other in session.query(User).filter_by(role="admin"):
        other.active = False
    session.commit()
    admin = make_user("admin")
    login(admin)
    response = client.post(f"/admin/people/{admin.id}/active", data={"active": "0"})
    assert response.status_code == 409
    assert "last active admin" in response.get_data(as_text=True)
    response = client.post(
        f"/admin/people/{admin.id}",
        data={"email": admin.email, "name": admin.name, "role": "csm", "team_id": ""},
    )
    assert response.status_code == 409
    session.refresh(admin)
    assert (admin.role, admin.active) == ("admin", True)
    assert _events(session, target_id=admin.id, action="user.updated") == []

    second = make_user("admin")
    assert (
        client.post(
            f"/admin/people/{admin.id}",
            data={"email": admin.email, "name": admin.name, "role": "csm", "team_id": ""},
        ).status_code
        == 303
    )
    session.refresh(second)
    assert second.role == "admin"


def test_the_api_has_the_same_guard_and_audit(client, session, make_user, api_headers):
    for other in session.query(User).filter_by(role="admin"):
        other.active = False
    session.commit()
    headers = api_headers("admin")  # the only active admin
    me = session.query(User).filter_by(role="admin", active=True).one()
    body = error(client.patch(f"/api/v1/users/{me.id}", json={"active": False}, headers=headers),
                 409, "conflict")  # fmt: skip
    assert "last active admin" in body["message"]
    error(client.patch(f"/api/v1/users/{me.id}", json={"role": "csm"}, headers=headers), 409)
    error(client.delete(f"/api/v1/users/{me.id}", headers=headers), 409)

    csm = make_user("csm")
    response = client.patch(f"/api/v1/users/{csm.id}", json={"role": "team_lead"},
                            headers=headers)  # fmt: skip
    assert response.status_code == 200
    event = _events(session, target_id=csm.id, action="user.updated")[-1]
    assert (event.actor_user_id, event.before, event.after) == (
        me.id, {"role": "csm"}, {"role": "team_lead"})  # fmt: skip


def test_admin_ends_a_persons_sessions(app, client, session, make_user, login):
    csm = make_user("csm")
    other = app.test_client()
    other.post("/login", data={"email": csm.email, "password": PASSWORD})
    assert other.get("/queue").status_code == 200
    login(make_user("admin"))
    assert client.post(f"/admin/people/{csm.id}/sessions").status_code == 303
    g.pop("_login_user", None)  # the tests share one app context: forget the last request's user
    assert other.get("/queue").status_code == 302  # signed out
    assert _events(session, target_id=csm.id, action="user.sessions_revoked")


def test_team_lifecycle_with_lead_zone_and_archive(client, session, make_user, login):
    admin = make_user("admin")
    lead = make_user("team_lead")
    login(admin)
    response = client.post("/admin/teams", data={"name": "EMEA", "department": "Success",
                                                  "timezone": "Europe/Paris",
                                                  "lead_user_id": str(lead.id)})  # fmt: skip
    assert response.status_code == 303
    team = session.query(Team).filter_by(name="EMEA").one()
    assert (team.timezone, team.lead_user_id) == ("Europe/Paris", lead.id)
    assert session.query(Department).filter_by(name="Success").one()

    response = client.post(
        f"/admin/teams/{team.id}",
        data={
            "name": "EMEA North",
            "department": "Success",
            "timezone": "Mars/Base",
            "lead_user_id": "",
        },
    )
    assert response.status_code == 422
    assert "not a known time zone" in response.get_data(as_text=True)
    response = client.post(f"/admin/teams/{team.id}", data={
        "name": "EMEA North", "department": "Success", "timezone": "Europe/Berlin",
        "lead_user_id": ""})  # fmt: skip
    assert response.status_code == 303
    assert client.post(f"/admin/teams/{team.id}/archive", data={"archived": "1"}).status_code == 303
    session.refresh(team)
    assert team.name == "EMEA North" and team.archived_at is not None

    # An archived team takes no new members.
    response = client.post("/admin/people/new", data={"email": "x@staff.example.com",
                           "name": "X", "role": "csm", "team_id": str(team.id)})  # fmt: skip
    assert response.status_code == 422 and "archived" in response.get_data(as_text=True)

    actions = [e.action for e in _events(session, target_type="team", target_id=team.id)]
    assert actions == ["team.created", "team.updated", "team.updated"]
    assert client.get("/admin/teams").status_code == 200


def test_departments_renamed_with_their_teams_head_and_archive(client, session, make_user,
                                                               make_team, login):  # fmt: skip
    admin = make_user("admin")
    head = make_user("department_head")
    team = make_team(department="Support")
    login(admin)
    department = session.query(Department).filter_by(name="Support").one()
    response = client.post(
        f"/admin/departments/{department.id}",
        data={"name": "Customer Care", "head_user_id": str(head.id)},
    )
    assert response.status_code == 303
    session.refresh(team)
    session.refresh(department)
    assert team.department == "Customer Care" and department.head_user_id == head.id
    assert client.post("/admin/departments", data={"name": "customer care"}).status_code == 409
    assert client.post(f"/admin/departments/{department.id}",
                       data={"archived": "1"}).status_code == 303  # fmt: skip
    session.refresh(department)
    assert department.archived_at is not None
    page = client.get("/admin/departments").get_data(as_text=True)
    assert "Customer Care" in page and "archived" in page
    actions = [e.action for e in _events(session, target_type="department")]
    assert actions == ["department.updated", "department.updated"]


def test_service_changes_without_an_actor_are_audited_as_system(session, make_user):
    user = make_user("csm")
    org.update_user(session, user.id, {"name": "By the CLI"})
    event = _events(session, target_id=user.id, action="user.updated")[-1]
    assert (event.actor_user_id, event.actor_label) == (None, "system")


def test_the_teams_api_archives_and_names_a_lead(client, session, make_user, make_team, admin):
    lead = make_user("team_lead")
    team = make_team()
    response = client.patch(
        f"/api/v1/teams/{team.id}", json={"archived": True, "lead_user_id": lead.id}, headers=admin
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["archived"] is True and body["lead_user_id"] == lead.id and body["archived_at"]
    error(client.patch(f"/api/v1/teams/{team.id}", json={"lead_user_id": 999999}, headers=admin),
          422)  # fmt: skip
    assert _events(session, target_type="team", target_id=team.id)[-1].after["archived"] is True


def test_a_deactivated_person_is_signed_out_and_their_tokens_refused(app, client, session,
                                                                     make_user, login):  # fmt: skip
    from feedback.services import api_tokens

    csm = make_user("csm")
    _, token = api_tokens.create_token(session, csm, "sync")
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/teams", headers=headers).status_code == 200
    login(make_user("admin"))
    assert client.post(f"/admin/people/{csm.id}/active", data={"active": "0"}).status_code == 303
    assert client.get("/api/v1/teams", headers=headers).status_code == 401
    g.pop("_login_user", None)
    assert client.post("/login", data={"email": csm.email, "password": PASSWORD}).status_code == 401


def test_the_audit_log_pages_and_filters(client, session, make_user, make_team, login):
    admin = make_user("admin")
    teams = [make_team() for _ in range(3)]
    for team in teams:
        org.update_team(session, team.id, {"timezone": "Europe/Paris"}, actor=admin)
    session.commit()
    login(admin)
    page = client.get(f"/admin/audit?target_type=team&target_id={teams[1].id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and text.count("team.updated") == 1
    assert "Europe/Paris" in text and "UTC" in text  # before and after
    text = client.get(f"/admin/audit?actor={admin.id}").get_data(as_text=True)
    assert text.count("team.updated") == 3 and "team.created" not in text  # made by "system"
    assert client.get("/admin/audit?target_type=nonsense&page=2").status_code == 200
