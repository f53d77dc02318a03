"""The access rule over HTTP: every page and API route that reads or changes a task, a
response, a thread or a reply, for every role (see feedback/access_rules.py).

One office: teams Enterprise and SMB in Customer Success, Inside Sales in Sales. Olive (CSM,
Enterprise) owns MegaCorp and its detractor task. Those who may see it: Enterprise's CSM and
lead, the Customer Success head (whose own team is SMB) and the admin; those who may not:
SMB's CSM and lead and the Sales head.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.models import Message, OuterLoopCandidate, Task, TaskEvent
from tests.builders import add_response, add_task, contact_of
from tests.http.api_helpers import error

ALLOWED = ("csm_same", "lead_same", "head_in", "admin")
REFUSED = ("csm_other", "lead_other", "head_out")
EVERYONE = ALLOWED + REFUSED
ROLE_OF = {"csm_same": "csm", "csm_other": "csm", "lead_same": "team_lead",
           "lead_other": "team_lead", "head_in": "department_head",
           "head_out": "department_head", "admin": "admin"}  # fmt: skip


@pytest.fixture
def office(session, make_team, make_user, make_account, make_contact):
    now = datetime.now(UTC)
    enterprise = make_team(name="Enterprise", department="Customer Success")
    smb = make_team(name="SMB", department="Customer Success")
    sales = make_team(name="Inside Sales", department="Sales")
    olive = make_user("csm", name="Olive", team_id=enterprise.id)
    megacorp = make_account(name="MegaCorp", owner_email=olive.email)
    dana = contact_of(session, make_contact, megacorp, name="Dana")
    answered = now - timedelta(days=1)
    response = add_response(session, dana, score=2, comment="Export fails", answered_at=answered)
    task = add_task(session, owner=olive, response=response, title="Recover MegaCorp",
                    due_at=now - timedelta(hours=1), created_at=answered)  # fmt: skip
    # No task behind it: seen through MegaCorp's owner.
    quiet = add_response(session, contact_of(session, make_contact, megacorp), score=8,
                         answered_at=answered)  # fmt: skip
    # No task and no account owner: admins only.
    orphan = add_response(session, make_contact(), score=3, answered_at=answered)
    return {"task": task, "response": response, "quiet": quiet, "orphan": orphan,
            "olive": olive, "enterprise": enterprise, "smb": smb, "sales": sales}  # fmt: skip


@pytest.fixture
def person(office, make_user):
    """The one viewer a test needs (each user costs a password hash, so only one is made)."""
    team_of = {"csm_same": "enterprise", "csm_other": "smb", "lead_same": "enterprise",
               "lead_other": "smb", "head_in": "smb", "head_out": "sales"}  # fmt: skip

    def make(who):
        team = office[team_of[who]] if who in team_of else None
        return make_user(ROLE_OF[who], name=who, team_id=team.id if team else None)

    return make


@pytest.fixture
def stranger(office, make_user):
    """A CSM of the Sales team, to hand tasks to."""
    return make_user("csm", name="Stan", team_id=office["sales"].id)


def _token(session, user):
    from feedback.services import org

    _, token = org.create_api_token(session, user.email, "tests")
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _comments(session, task):
    return session.query(TaskEvent).filter_by(task_id=task.id, kind="comment").count()


def _replies(session, response):
    return session.query(Message).filter_by(invitation_id=response.invitation_id,
                                            kind="reply").count()  # fmt: skip


# ---------------------------------------------------------------- pages: one task


@pytest.mark.parametrize("who", EVERYONE)
def test_the_task_page(client, login, office, person, who):
    login(person(who))
    page = client.get(f"/tasks/{office['task'].id}")
    if who in ALLOWED:
        assert page.status_code == 200 and "Recover MegaCorp" in page.get_data(as_text=True)
    else:
        assert page.status_code == 403 and "Recover MegaCorp" not in page.get_data(as_text=True)


@pytest.mark.parametrize("who", EVERYONE)
def test_commenting_on_and_moving_the_task(client, session, login, office, person, who):
    task = office["task"]
    login(person(who))
    commented = client.post(f"/tasks/{task.id}/comments", data={"body": "Called them."})
    moved = client.post(f"/tasks/{task.id}/status", data={"to_status": "in_progress"})
    session.expire_all()
    if who in ALLOWED:
        assert (commented.status_code, moved.status_code) == (302, 302)
        assert _comments(session, task) == 1 and session.get(Task, task.id).status == "in_progress"
    else:
        assert (commented.status_code, moved.status_code) == (403, 403)
        assert _comments(session, task) == 0 and session.get(Task, task.id).status == "open"


@pytest.mark.parametrize("who", EVERYONE)
def test_closing_the_task(client, session, login, office, person, who):
    task = office["task"]
    login(person(who))
    closed = client.post(f"/tasks/{task.id}/close", data={"resolution_code": "resolved"})
    session.expire_all()
    if who in ALLOWED:
        assert closed.status_code == 302 and session.get(Task, task.id).status == "closed"
    else:
        assert closed.status_code == 403 and session.get(Task, task.id).status == "open"


@pytest.mark.parametrize("who", EVERYONE)
def test_replying_from_the_task_page(client, session, login, office, person, who):
    login(person(who))
    answer = client.post(f"/tasks/{office['task'].id}/reply", data={"body": "Sorry, Dana."})
    expected = (302, 1) if who in ALLOWED else (403, 0)
    assert (answer.status_code, _replies(session, office["response"])) == expected


@pytest.mark.parametrize("who", EVERYONE)
def test_handing_the_task_to_olives_teammate(
    client, session, login, make_user, office, person, who
):
    mate = make_user("csm", name="Mia", team_id=office["enterprise"].id)
    login(person(who))
    answer = client.post(f"/tasks/{office['task'].id}/reassign", data={"owner_id": mate.id})
    session.expire_all()
    owner = session.get(Task, office["task"].id).owner_id
    if who in ALLOWED:
        assert answer.status_code == 302 and owner == mate.id
    else:
        assert answer.status_code == 403 and owner == office["olive"].id


def test_a_csm_cannot_hand_a_task_to_a_team_they_do_not_see(
    client, session, login, office, stranger, person
):
    login(person("csm_same"))
    answer = client.post(f"/tasks/{office['task'].id}/reassign", data={"owner_id": stranger.id})
    assert answer.status_code == 403
    assert "works in a team you do not work with" in answer.get_data(as_text=True)
    session.expire_all()
    task = session.get(Task, office["task"].id)
    assert (task.owner_id, task.team_id) == (office["olive"].id, office["enterprise"].id)


# ---------------------------------------------------------------- pages: lists


@pytest.mark.parametrize("path", ["/queue/team", "/queue/overdue"])
@pytest.mark.parametrize("who", EVERYONE)
def test_the_team_lists_hold_only_what_the_rule_allows(client, login, office, person, who, path):
    login(person(who))
    page = client.get(path)
    assert page.status_code == 200
    assert ("Recover MegaCorp" in page.get_data(as_text=True)) is (who in ALLOWED)


def test_a_department_head_picks_only_their_departments_teams(client, login, office, person):
    login(person("head_in"))
    page = client.get(f"/queue/team?team={office['enterprise'].id}").get_data(as_text=True)
    assert "Recover MegaCorp" in page
    assert ">Enterprise<" in page and ">SMB<" in page and "Inside Sales" not in page
    login(person("head_out"))
    page = client.get(f"/queue/team?team={office['enterprise'].id}").get_data(as_text=True)
    assert "Recover MegaCorp" not in page


# ---------------------------------------------------------------- pages: thread


@pytest.mark.parametrize("who", EVERYONE)
def test_the_thread_page_and_emailing_the_customer_from_it(
    client, session, login, office, person, who
):
    response = office["response"]
    login(person(who))
    page = client.get(f"/responses/{response.id}/thread")
    sent = client.post(f"/responses/{response.id}/thread", data={"body": "Hello Dana."})
    session.expire_all()
    contacted = session.query(TaskEvent).filter_by(task_id=office["task"].id, kind="contacted")
    if who in ALLOWED:
        assert page.status_code == 200 and "Export fails" in page.get_data(as_text=True)
        assert sent.status_code == 302 and _replies(session, response) == 1
    else:
        assert page.status_code == 403 and "Export fails" not in page.get_data(as_text=True)
        assert sent.status_code == 403 and _replies(session, response) == 0
        assert contacted.count() == 0  # the other team's task is not marked as contacted
        assert session.get(Task, office["task"].id).first_contact_at is None


@pytest.mark.parametrize("who", EVERYONE)
def test_a_response_without_a_task_is_seen_through_its_accounts_owner(
    client, login, office, person, who
):
    login(person(who))
    status = client.get(f"/responses/{office['quiet'].id}/thread").status_code
    assert status == (200 if who in ALLOWED else 403)


@pytest.mark.parametrize("who", EVERYONE)
def test_a_response_nobody_holds_is_for_admins(client, login, office, person, who):
    login(person(who))
    status = client.get(f"/responses/{office['orphan'].id}/thread").status_code
    assert status == (200 if who == "admin" else 403)


# ---------------------------------------------------------------- pages: huddle and metrics


@pytest.mark.parametrize("who", EVERYONE)
def test_the_huddle_of_the_tasks_team(client, session, login, office, person, who):
    team_id = office["enterprise"].id
    login(person(who))
    page = client.get(f"/huddle/{team_id}")
    raised = client.post(f"/huddle/{team_id}/raise", data={"response_id": office["response"].id})
    kept = session.query(OuterLoopCandidate).filter_by(team_id=team_id).count()
    if who in ALLOWED:
        assert (page.status_code, raised.status_code, kept) == (200, 302, 1)
    else:
        assert (page.status_code, raised.status_code, kept) == (403, 403, 0)


def test_a_verbatim_of_a_team_one_does_not_see_cannot_be_raised(
    client, session, login, office, person
):
    # The SMB lead may raise in SMB's huddle, but not Enterprise's customer's verbatim.
    login(person("lead_other"))
    smb = office["smb"].id
    raised = client.post(f"/huddle/{smb}/raise", data={"response_id": office["response"].id})
    assert raised.status_code == 403
    assert session.query(OuterLoopCandidate).count() == 0


@pytest.mark.parametrize("who", ["lead_same", "lead_other", "head_in", "head_out", "admin"])
def test_the_metrics_page_of_one_team(client, login, office, person, who):
    login(person(who))
    status = client.get(f"/metrics?team={office['enterprise'].id}").status_code
    assert status == (200 if who in ALLOWED else 403)


@pytest.mark.parametrize("who", ["csm_same", "csm_other"])
def test_csms_have_no_metrics_page(client, login, office, person, who):
    login(person(who))
    assert client.get("/metrics").status_code == 403


# ---------------------------------------------------------------- API: tasks


@pytest.mark.parametrize("who", EVERYONE)
def test_api_task_list_and_task(client, session, office, person, who):
    headers = _token(session, person(who))
    listed = client.get("/api/v1/tasks?per_page=500", headers=headers)
    assert listed.status_code == 200
    ids = [t["id"] for t in listed.get_json()["items"]]
    assert (office["task"].id in ids) is (who in ALLOWED)
    one = client.get(f"/api/v1/tasks/{office['task'].id}", headers=headers)
    if who in ALLOWED:
        assert one.status_code == 200 and one.get_json()["title"] == "Recover MegaCorp"
    else:
        error(one, 403, "forbidden")


@pytest.mark.parametrize("who", EVERYONE)
def test_api_task_patch(client, session, office, person, who):
    task = office["task"]
    headers = _token(session, person(who))
    answer = client.patch(f"/api/v1/tasks/{task.id}", headers=headers,
                          json={"comment": "Called.", "status": "in_progress"})  # fmt: skip
    session.expire_all()
    if who in ALLOWED:
        assert answer.status_code == 200 and answer.get_json()["status"] == "in_progress"
        assert _comments(session, task) == 1
    else:
        error(answer, 403, "forbidden")
        assert _comments(session, task) == 0 and session.get(Task, task.id).status == "open"


def test_api_a_csm_cannot_move_a_task_to_another_team(client, session, office, stranger, person):
    headers = _token(session, person("csm_same"))
    answer = client.patch(f"/api/v1/tasks/{office['task'].id}", headers=headers,
                          json={"owner_id": stranger.id})  # fmt: skip
    body = error(answer, 403, "forbidden")
    assert body["fields"] == {"owner_id": ["Choose someone from a team you work with."]}
    session.expire_all()
    task = session.get(Task, office["task"].id)
    assert (task.owner_id, task.team_id) == (office["olive"].id, office["enterprise"].id)


def test_api_an_admin_may_move_a_task_to_any_team(client, session, office, stranger, person):
    headers = _token(session, person("admin"))
    answer = client.patch(f"/api/v1/tasks/{office['task'].id}", headers=headers,
                          json={"owner_id": stranger.id})  # fmt: skip
    assert answer.status_code == 200
    assert answer.get_json()["team_id"] == office["sales"].id


# ---------------------------------------------------------------- API: responses


@pytest.mark.parametrize("who", EVERYONE)
def test_api_response_list_is_filtered_not_refused(client, session, office, person, who):
    headers = _token(session, person(who))
    listed = client.get("/api/v1/responses?per_page=500", headers=headers)
    assert listed.status_code == 200
    ids = {r["id"] for r in listed.get_json()["items"]}
    mine = {office["response"].id, office["quiet"].id}
    assert ids & mine == (mine if who in ALLOWED else set())
    assert (office["orphan"].id in ids) is (who == "admin")
    assert listed.get_json()["total"] == len(ids)


@pytest.mark.parametrize("who", EVERYONE)
def test_api_one_response_and_replying_to_it(client, session, office, person, who):
    response = office["response"]
    headers = _token(session, person(who))
    one = client.get(f"/api/v1/responses/{response.id}", headers=headers)
    reply = client.post(f"/api/v1/responses/{response.id}/replies", headers=headers,
                        json={"body": "Sorry, Dana."})  # fmt: skip
    if who in ALLOWED:
        assert one.status_code == 200 and one.get_json()["comment"] == "Export fails"
        assert reply.status_code == 201 and _replies(session, response) == 1
    else:
        error(one, 403, "forbidden")
        error(reply, 403, "forbidden")
        assert _replies(session, response) == 0


# ---------------------------------------------------------------- API: metrics


@pytest.mark.parametrize("who", ["lead_same", "lead_other", "head_in", "head_out", "admin"])
def test_api_metrics_hold_only_the_teams_one_sees(client, session, office, person, who):
    headers = _token(session, person(who))
    one = client.get(f"/api/v1/metrics/close-the-loop?team_id={office['enterprise'].id}",
                     headers=headers)  # fmt: skip
    every = client.get("/api/v1/metrics/close-the-loop", headers=headers)
    assert every.status_code == 200
    teams = [t["name"] for t in every.get_json()["teams"]]
    if who in ALLOWED:
        assert one.status_code == 200 and one.get_json()["overall"]["tasks"] == 1
        assert teams == ["Enterprise"] and every.get_json()["overall"]["tasks"] == 1
    else:
        error(one, 403, "forbidden")
        assert teams == [] and every.get_json()["overall"]["tasks"] == 0
