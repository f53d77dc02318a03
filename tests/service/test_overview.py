"""The home page's NPS per program and region, with intervals that widen for few answers."""

from __future__ import annotations

from feedback.models import OutboxEmail
from feedback.services import capture, invitations, overview, programs


def test_nps_by_program_and_region(
    app, session, make_account, make_contact, client, make_user, login
):
    program = programs.create_program(
        session, {"name": "Relationship", "kind": "nps", "product_name": "Acme"}
    )
    emea = make_account(region="EMEA", domains=["emea.example"])
    scores = [10, 10, 9, 8, 3]
    for i, score in enumerate(scores):
        contact = make_contact(email=f"p{i}@emea.example")
        result = invitations.invite_now(session, app.config, program.id, [contact.email])[0]
        token = (
            session.query(OutboxEmail)
            .filter_by(invitation_id=result["invitation_id"], kind="invitation")
            .one()
            .substitutions["%%token%%"]
        )
        capture.submit_answer(session, token, score=score, comment=None)
    session.commit()
    rows = overview.nps_overview(session)
    (by_program,) = rows["program"]
    assert by_program.label == "Relationship"
    assert by_program.result.score == 40.0  # (3 promoters - 1 detractor) / 5
    assert (
        by_program.result.small_sample and by_program.result.ci_low < 40 < by_program.result.ci_high
    )
    assert [r.label for r in rows["region"]] == ["EMEA"]
    assert emea.id
    login(make_user("csm"))
    page = client.get("/").get_data(as_text=True)
    assert "NPS by program" in page and "+40" in page and "few answers" in page
