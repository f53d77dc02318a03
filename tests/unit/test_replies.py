"""Reading replies: the customer's new words out of real-world layouts, and the reply token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedback.mail import replies

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "replies"
CASES = sorted(p.stem for p in FIXTURES.glob("*.txt"))
TOKEN = "Ab3_dEf-GhIjKlMnOpQrStUvWxYz0123456789abcdE"


def test_there_are_fixtures_in_four_languages_from_three_clients():
    assert {c.split("_")[-1] for c in CASES} >= {"en", "de", "fr", "es"}
    assert {c.split("_")[0] for c in CASES} >= {"gmail", "outlook", "apple"}


@pytest.mark.parametrize("case", CASES)
def test_new_text_is_exactly_the_customers_words(case):
    body = (FIXTURES / f"{case}.txt").read_text(encoding="utf-8")
    expected = (FIXTURES / f"{case}.expected").read_text(encoding="utf-8").strip()
    assert replies.extract_new_text(body) == expected


@pytest.mark.parametrize("case", ["gmail_en", "outlook_de", "apple_fr"])
def test_windows_line_endings_read_the_same(case):
    body = (FIXTURES / f"{case}.txt").read_text(encoding="utf-8").replace("\n", "\r\n")
    expected = (FIXTURES / f"{case}.expected").read_text(encoding="utf-8").strip()
    assert replies.extract_new_text(body) == expected


@pytest.mark.parametrize("body", ["", "   \n\n", None])
def test_empty_bodies_give_empty_text(body):
    assert replies.extract_new_text(body) == ""


def test_a_reply_without_any_quote_is_kept_whole():
    body = "Thanks, that fixed it.\n\nOne more thing: the PDF export is blank."
    assert replies.extract_new_text(body) == body


@pytest.mark.parametrize(
    ("address", "token"),
    [
        (f"reply+{TOKEN}@inbound.example.com", TOKEN),
        (f"Customer Success <reply+{TOKEN}@inbound.example.com>", TOKEN),
        (f"REPLY+{TOKEN}@Inbound.Example.com", TOKEN),  # the token keeps its case
        ("reply@inbound.example.com", None),
        ("support+abc@inbound.example.com", None),
        ("reply+short@inbound.example.com", None),
        (f"reply+{TOKEN}", None),
        ("", None),
        (f"reply+{TOKEN}!!@inbound.example.com", None),
    ],
)
def test_reply_token_from_an_address(address, token):
    assert replies.reply_token(address) == token


def _form(**fields):
    base = {
        "from": "Maria Lopez <Maria@Customer.Example.org>",
        "to": f"Customer Success <reply+{TOKEN}@inbound.example.com>",
        "subject": "Re: How are we doing?",
        "text": "Great!",
        "headers": "Message-ID: <abc@mail.example>\nFrom: Maria\n",
        "envelope": json.dumps(
            {"to": [f"reply+{TOKEN}@inbound.example.com"], "from": "maria@customer.example.org"}
        ),
        "charsets": json.dumps({"text": "UTF-8"}),
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def test_sendgrid_post_is_read():
    mail = replies.from_sendgrid(_form())
    assert mail.sender == "maria@customer.example.org"
    assert replies.reply_tokens(mail) == [TOKEN]
    assert mail.message_id == "<abc@mail.example>"
    assert mail.text == "Great!"


def test_token_found_in_the_to_header_when_the_envelope_is_another_address():
    form = _form(envelope=json.dumps({"to": ["catchall@inbound.example.com"], "from": "x@y.z"}))
    assert replies.reply_tokens(replies.from_sendgrid(form)) == [TOKEN]


@pytest.mark.parametrize(
    "fields",
    [
        {"envelope": None},
        {"envelope": "not json"},
        {"envelope": json.dumps({"from": "a@b.c"})},
        {"envelope": json.dumps({"to": [], "from": "a@b.c"})},
        {"envelope": json.dumps({"to": ["reply@x.y"]}), "from": None},
    ],
)
def test_malformed_posts_are_refused(fields):
    with pytest.raises(replies.MalformedPost):
        replies.from_sendgrid(_form(**fields))


def test_html_only_mail_is_read_without_its_blockquote():
    html = (
        "<div dir='ltr'>Love the new <b>reports</b>.<br>Keep going!</div>"
        "<div class='gmail_quote'><div>On Mon wrote:</div><blockquote>Hi</blockquote></div>"
    )
    mail = replies.from_sendgrid(_form(text="", html=html))
    assert mail.text == "Love the new reports.\nKeep going!"


def test_raw_mime_mode_is_read():
    raw = (
        "From: Maria <maria@customer.example.org>\n"
        f"To: reply+{TOKEN}@inbound.example.com\n"
        "Subject: Re: Survey\n"
        "Message-ID: <raw@mail.example>\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Très bien.\n"
    )
    mail = replies.from_sendgrid(_form(email=raw, text=None, headers=None))
    assert mail.text.strip() == "Très bien."
    assert mail.subject == "Re: Survey"
    assert mail.message_id == "<raw@mail.example>"


def test_fields_in_other_charsets_are_decoded_as_sendgrid_says():
    boundary = "xYzZY"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n'.encode()
        + "Grüße aus Köln".encode("iso-8859-1")
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="from"\r\n\r\n'.encode()
        + b"a@b.c"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    fields = replies.redecode_fields(
        f"multipart/form-data; boundary={boundary}", body, {"text": "iso-8859-1", "from": "UTF-8"}
    )
    assert fields == {"text": "Grüße aus Köln", "from": "a@b.c"}
    assert replies.redecode_fields("multipart/form-data", b"", {"text": "UTF-8"}) is None


def test_a_rule_between_two_paragraphs_of_the_reply_is_kept():
    reply = f"Part one: the exports.\n\n{'_' * 40}\n\nPart two: the invoices."
    body = f"{reply}\n\n--\nAna Ruiz\nOps lead\n"
    assert replies.extract_new_text(body) == reply


@pytest.mark.parametrize(
    "footer",
    [
        "acme-users mailing list\nacme-users@lists.example.org\n"
        "https://lists.example.org/mailman/listinfo/acme-users",
        "You received this because you are subscribed to the group.\n"
        "To unsubscribe, send an email to acme+unsubscribe@groups.example.org.",
    ],
)
def test_a_mailing_lists_footer_under_a_rule_is_dropped(footer):
    body = f"The beta works for us.\n\n{'_' * 47}\n{footer}\n"
    assert replies.extract_new_text(body) == "The beta works for us."


def test_a_rule_followed_by_the_customers_own_words_is_kept():
    body = f"Two things.\n\n{'_' * 20}\nFirst, please unsubscribe my old address.\n"
    assert replies.extract_new_text(body).endswith("please unsubscribe my old address.")


def test_a_long_mail_is_read_to_its_quote_and_kept_whole_without_one():
    # Thousands of lines that each look like the start of a dated attribution nested the
    # matching until Python's recursion limit (the webhook answered 500 to a reply).
    dated = "\n".join(f"2011/4/{i % 28 + 1} Ana Ruiz <ana@example.com>" for i in range(20_000))
    assert replies.new_words(dated) == dated
    # A customer's long text with no quote near its top is all theirs, however long.
    long_text = "\n".join(f"Point {i}: the export is slow." for i in range(30_000))
    assert replies.extract_new_text(long_text) == long_text
    # A quote near the top of a long mail is still cut, with everything quoted below it.
    quoted = "\n".join(f"> old line {i}" for i in range(30_000))
    header = "On Mon, 3 Mar 2025 at 10:00, Ana <ana@example.com> wrote:"
    mail = f"Thanks, fixed now.\n\n{header}\n{quoted}"
    assert replies.extract_new_text(mail) == "Thanks, fixed now."
    # An answer written below the whole long quote (bottom posting) is still the customer's.
    assert replies.extract_new_text(f"{mail}\n\nOne more thing: invoices.") == (
        "Thanks, fixed now.\n\nOne more thing: invoices."
    )


def test_a_mail_that_nests_the_matching_too_deep_keeps_every_word(monkeypatch):
    def too_deep(lines):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(replies.quotes, "find_quote_start", too_deep)
    assert replies.new_words("Still broken.\n\nOn Mon, Ana wrote:\n> x") == (
        "Still broken.\n\nOn Mon, Ana wrote:\n> x"
    )
