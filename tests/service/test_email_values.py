"""What a customer typed reaches the text part as typed and the HTML part escaped."""

from __future__ import annotations

from feedback.mail.substitutions import apply_substitutions
from feedback.models import OutboxEmail
from feedback.services import invitations, programs


def test_names_are_plain_in_text_and_escaped_in_html(app, session, make_contact):
    program = programs.create_program(
        session, {"name": "NPS", "kind": "nps", "product_name": "Acme"}
    )
    contact = make_contact(name="Zoë&<b>Co</b> Smith")
    invited = invitations.invite_now(session, app.config, program.id, [contact.email])[0]
    email = (
        session.query(OutboxEmail)
        .filter_by(invitation_id=invited["invitation_id"], kind="invitation")
        .one()
    )
    text = apply_substitutions(email.content.text, email.substitutions)
    html = apply_substitutions(email.content.html, email.substitutions)
    assert "Hi Zoë&<b>Co</b>," in text
    assert "Zoë&amp;&lt;b&gt;Co&lt;/b&gt;" in html and "<b>Co</b>" not in html
    assert "%%" not in text and "%%" not in html
