"""The queue pages, the task page's forms, the huddle pack and the metrics page over HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest

from feedback.models import Message, OutboxEmail, OuterLoopCandidate, Task, TaskEvent
from tests.builders import add_task
from tests.shared_fixtures import XSS

ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"


def html(response):
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- lists


@pytest.mark.parametrize("path", ["/queue", "/queue/team", "/queue/overdue"])
@pytest.mark.parametrize("role", ["csm", "team_lead", "department_head", "admin"])
def test_every_staff_role_opens_the_lists(client, make_user, login, desk, path, role):
    login(make_user(role, team_id=desk["team"].id))
    assert client.get(path).status_code == 200


def test_my_tasks_flags_overdue_in_words_and_links_each_task(client, login, desk):
    login(desk["csm"])
    page = html(client.get("/queue"))
    assert page.index("Recover MegaCorp") < page.index("Convert Dana")  # soonest due first
    assert "Not yours" not in page
    row = re.search(r'<tr class="is-overdue">.*?</tr>', page, re.S).group(0)
    assert "Overdue" in row and "Recover MegaCorp" in row
    assert f'href="/tasks/{desk["task"].id}"' in page
    assert "MegaCorp" in page and "120,000" in page and "detractor" in page
    assert 'aria-current="page">My tasks' in page


def test_filters_and_sort_come_from_get_parameters(client, login, desk):
    login(desk["csm"])
    page = html(client.get("/queue?type=convert&sort=priority"))
    assert "Convert Dana" in page and "Recover MegaCorp" not in page
    assert '<option value="convert" selected>' in page
    page = html(client.get("/queue/overdue"))
    assert "Recover MegaCorp" in page and "Convert Dana" not in page


def test_a_filter_that_names_nothing_says_so(client, login, desk):
    login(desk["csm"])
    response = client.get("/queue?status=finished&sort=mood")
    assert response.status_code == 400
    page = html(response)
    assert "not valid" in page and "Sort by due time" in page
    assert "Recover MegaCorp" in page  # the unfiltered list is still there


def test_pages_link_to_each_other_keeping_the_filters(client, login, session, desk):
    for i in range(3):
        add_task(session, owner=desk["csm"], type="review", title=f"Review {i}")
    login(desk["csm"])
    page = html(client.get("/queue?type=review&per_page=2"))
    assert "page 1 of 2" in page
    nxt = re.search(r'href="([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    assert "type=review" in nxt and "page=2" in nxt
    assert "Review 2" in html(client.get(nxt))


def test_staff_nav_links(client, login, make_user, desk):
    login(desk["csm"])
    page = html(client.get("/queue"))
    for label in ("My tasks", "Team", "Overdue"):
        assert f">{label}</a>" in page
    assert ">Metrics</a>" not in page
    login(make_user("team_lead", team_id=desk["team"].id))
    assert ">Metrics</a>" in html(client.get("/queue"))


# ---------------------------------------------------------------- the task page


def test_the_task_page_shows_everything_escaped(client, session, login, desk):
    session.add(TaskEvent(task_id=desk["task"].id, kind="comment", actor_user_id=desk["mate"].id,
                          body=f"Called {XSS}", created_at=datetime.now(UTC)))  # fmt: skip
    session.commit()
    login(desk["csm"])
    page = html(client.get(f"/tasks/{desk['task'].id}"))
    assert XSS not in page
    assert f"Export fails {ESCAPED}" in page and f"Called {ESCAPED}" in page
    assert "Overdue" in page and "Was due" in page
    assert "Customer 360" in page and "MegaCorp" in page and "Convert Dana" in page
    assert "<svg" in page and "This contact: 1 score, oldest first: 2" in page
    assert "fails" in page and "negative" in page
    assert "How are we doing?" in page  # the thread
    for action in ("reply", "status", "close", "reassign", "comments"):
        assert f'action="/tasks/{desk["task"].id}/{action}"' in page
    assert page.count('name="csrf_token"') >= 6
    assert "<script" not in page.lower()  # no JavaScript at all


def test_a_task_of_another_team_is_403_unless_admin_or_department_head(
    client, login, make_user, desk
):
    login(desk["csm"])
    assert client.get(f"/tasks/{desk['foreign'].id}").status_code == 403
    assert (
        client.post(f"/tasks/{desk['foreign'].id}/comments", data={"body": "hi"}).status_code == 403
    )
    assert client.get("/tasks/999999").status_code == 404
    for role in ("admin", "department_head"):  # the head's department holds both teams
        login(make_user(role, team_id=desk["team"].id if role != "admin" else None))
        assert client.get(f"/tasks/{desk['foreign'].id}").status_code == 200


def test_reply_from_the_task_page_goes_to_the_thread_and_the_outbox(client, session, login, desk):
    login(desk["csm"])
    answer = client.post(f"/tasks/{desk['task'].id}/reply", data={"body": "Sorry Dana, fixing it."})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("#latest")
    sent = session.query(Message).filter_by(invitation_id=desk["response"].invitation_id,
                                            kind="reply").one()  # fmt: skip
    assert sent.author_user_id == desk["csm"].id and sent.body == "Sorry Dana, fixing it."
    assert session.get(OutboxEmail, sent.outbox_email_id).to_email == desk["contact"].email
    assert "Sorry Dana, fixing it." in html(client.get(f"/tasks/{desk['task'].id}"))


def test_the_task_reply_box_shows_what_the_email_will_say(client, session, login, desk):
    login(desk["csm"])
    page = html(client.get(f"/tasks/{desk['task'].id}"))
    box = re.search(r'<textarea id="reply-body"[^>]*>(.*?)</textarea>', page, re.S)
    sender = desk["response"].invitation.program.sender_name
    assert box and unescape(box.group(1)) == f"Hi Dana,\n\n\n\nCasey\n{sender}"
    typed = f"Hi Dana,\n\nFixing the export today.\n\nCasey\n{sender}"
    client.post(f"/tasks/{desk['task'].id}/reply", data={"body": typed})
    sent = session.query(Message).filter_by(invitation_id=desk["response"].invitation_id,
                                            kind="reply").one()  # fmt: skip
    assert session.get(OutboxEmail, sent.outbox_email_id).content.text == typed


def test_an_empty_reply_is_refused_and_what_was_typed_kept(client, login, desk):
    login(desk["csm"])
    task_id = desk["task"].id
    answer = client.post(f"/tasks/{task_id}/reply", data={"body": "   "})
    # post/redirect/get: a reload shows the page, it does not send the form again
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/tasks/{task_id}#reply-body"
    page = html(client.get(f"/tasks/{task_id}"))
    assert page.count("Write a reply before sending.") == 1  # once, beside the reply box
    assert 'aria-describedby="reply-error"' in page
    assert "Write a reply" not in html(client.get(f"/tasks/{task_id}"))  # shown once, not kept


def test_a_failed_reply_keeps_the_typed_text_across_the_redirect(client, session, login, desk):
    desk["contact"].bounced = True
    session.commit()
    login(desk["csm"])
    task_id = desk["task"].id
    typed = f"Dana, sorry about the export {XSS}\nKind regards"
    answer = client.post(f"/tasks/{task_id}/reply", data={"body": typed})
    assert answer.status_code == 303
    page = html(client.get(answer.headers["Location"]))
    assert f"Dana, sorry about the export {ESCAPED}\nKind regards</textarea>" in page
    assert page.count("bounced; contact them another way.") == 1
    assert 'class="flash flash-error"' not in page
    assert session.query(Message).filter_by(kind="reply").count() == 0


def test_status_buttons_move_the_task(client, session, login, desk):
    login(desk["csm"])
    task_id = desk["task"].id
    assert 'value="in_progress">Start</button>' in html(client.get(f"/tasks/{task_id}"))
    answer = client.post(f"/tasks/{task_id}/status", data={"to_status": "in_progress"})
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(Task, task_id).status == "in_progress"
    client.post(f"/tasks/{task_id}/status", data={"to_status": "waiting_on_customer"})
    session.expire_all()
    task = session.get(Task, task_id)
    assert task.status == "waiting_on_customer" and task.first_contact_at is not None


def test_closing_needs_a_resolution_code_and_keeps_what_was_typed(client, session, login, desk):
    login(desk["csm"])
    task_id = desk["task"].id
    answer = client.post(f"/tasks/{task_id}/close",
                         data={"resolution_code": "", "root_cause": "trust",
                               "note": f"Spoke to Dana {XSS}"})  # fmt: skip
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#close")
    page = html(client.get(answer.headers["Location"]))
    assert page.count("Choose a resolution code to close the task") == 1
    assert f"Spoke to Dana {ESCAPED}</textarea>" in page
    assert '<option value="trust" selected>' in page
    assert 'aria-invalid="true" aria-describedby="resolution_code-error"' in page
    session.expire_all()
    assert session.get(Task, task_id).status == "open"

    answer = client.post(f"/tasks/{task_id}/close",
                         data={"resolution_code": "resolved", "root_cause": "trust",
                               "note": "Fixed the export"})  # fmt: skip
    assert answer.status_code == 302
    session.expire_all()
    task = session.get(Task, task_id)
    assert (task.status, task.resolution_code, task.root_cause) == ("closed", "resolved", "trust")
    page = html(client.get(f"/tasks/{task_id}"))
    assert "Reopen</button>" in page and "Close task</button>" not in page


def test_a_move_the_status_does_not_allow_says_so_once(client, session, login, desk):
    task = desk["later"]
    task.status, task.resolution_code, task.closed_at = "closed", "no_action", datetime.now(UTC)
    session.commit()
    login(desk["csm"])
    answer = client.post(f"/tasks/{task.id}/status", data={"to_status": "waiting_on_customer"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/tasks/{task.id}#status-message"
    page = html(client.get(f"/tasks/{task.id}"))
    message = "A task that is closed cannot be moved to waiting on customer"
    assert page.count(message) == 1 and 'role="alert" id="status-message"' in page
    session.expire_all()
    assert session.get(Task, task.id).status == "closed"


def test_reassign_and_comment_leave_a_trail(client, session, login, desk):
    login(desk["csm"])
    task_id = desk["task"].id
    answer = client.post(f"/tasks/{task_id}/reassign",
                         data={"owner_id": str(desk["mate"].id), "note": "Holiday"})  # fmt: skip
    assert answer.status_code == 302
    answer = client.post(f"/tasks/{task_id}/comments", data={"body": f"Heads up {XSS}"})
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(Task, task_id).owner_id == desk["mate"].id
    page = html(client.get(f"/tasks/{task_id}"))
    assert "Casey → Morgan" in page and f"Heads up {ESCAPED}" in page


def test_reassign_without_a_person_and_an_empty_comment_come_back_to_the_page(client, login, desk):
    login(desk["csm"])
    task_id = desk["task"].id
    answer = client.post(f"/tasks/{task_id}/reassign", data={"owner_id": "", "note": "keep me"})
    assert answer.status_code == 303
    page = html(client.get(f"/tasks/{task_id}"))
    assert 'value="keep me"' in page and page.count("Choose whom to hand the task to.") == 1
    answer = client.post(f"/tasks/{task_id}/comments", data={"body": " "})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#comment-body")
    assert html(client.get(f"/tasks/{task_id}")).count("Write a comment before saving.") == 1


# ---------------------------------------------------------------- huddle


def test_the_huddle_pack_and_raising_a_verbatim(client, session, login, desk):
    login(desk["csm"])
    page = html(client.get(f"/huddle/{desk['team'].id}"))
    assert f"Export fails {ESCAPED}" in page and "Strongest negative" in page
    assert "Recover MegaCorp" in page  # breached its SLA this week
    response_id = desk["response"].id
    for _ in range(2):  # a double click raises it once
        form = {"response_id": str(response_id), "note": "Export again"}
        answer = client.post(f"/huddle/{desk['team'].id}/raise", data=form)
        assert answer.status_code == 302 and answer.headers["Location"].endswith(f"#r{response_id}")
    raised = session.query(OuterLoopCandidate).one()
    assert (raised.response_id, raised.team_id, raised.raised_by_id, raised.note) == (
        response_id, desk["team"].id, desk["csm"].id, "Export again")  # fmt: skip
    assert "Raised to the outer loop" in html(client.get(f"/huddle/{desk['team'].id}"))
    assert client.get("/huddle").headers["Location"].endswith(f"/huddle/{desk['team'].id}")


def test_another_teams_huddle_is_403(client, login, desk):
    login(desk["stranger"])
    assert client.get(f"/huddle/{desk['team'].id}").status_code == 403
    answer = client.post(f"/huddle/{desk['team'].id}/raise",
                         data={"response_id": str(desk["response"].id)})  # fmt: skip
    assert answer.status_code == 403


# ---------------------------------------------------------------- metrics


def test_metrics_page_is_for_leads(client, login, make_user, desk):
    login(desk["csm"])
    assert client.get("/metrics").status_code == 403
    login(make_user("team_lead", team_id=desk["team"].id))
    page = html(client.get("/metrics"))
    assert "Detractors reached within SLA" in page and "Casey" in page and "Enterprise" in page
    answer = client.get("/metrics?start=2026-13-01")
    assert answer.status_code == 400 and "Use a date like" in html(answer)


# ---------------------------------------------------------------- CSRF


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_task_forms_need_the_csrf_token(client, session, login, desk, app_config):
    from tests.conftest import PASSWORD

    login_page = html(client.get("/login"))
    token = re.search(r'name="csrf_token" [^>]*value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"email": desk["csm"].email, "password": PASSWORD,
                                "csrf_token": token})  # fmt: skip
    page = html(client.get(f"/tasks/{desk['task'].id}"))
    for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", page, re.S):
        assert "csrf_token" in form
    task_id = desk["task"].id
    assert client.post(f"/tasks/{task_id}/comments", data={"body": "x"}).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(f"/tasks/{task_id}/comments", data={"body": "x", "csrf_token": token})
    assert answer.status_code == 302
