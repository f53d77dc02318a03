"""Reading a customer's email reply: who sent it, which conversation, and what is new in it.

Pure: strings in, strings out. The quote is found by its shape (quotes.py), the lines phones,
apps and mail gateways add by signatures.py; sign-offs are left to mail-parser-reply (the
maintained, multilingual successor of github's email_reply_parser).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email import policy
from email.message import Message as EmailMessageObj
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from mailparser_reply import EmailMessage

from feedback.mail import quotes, signatures
from feedback.tokens import looks_like_token

# Languages whose "On ... wrote:" lines, header blocks and sign-offs are recognised. English is
# always included by the parser. (mail-parser-reply has no Portuguese yet; it is ignored.)
REPLY_LANGUAGES = ("en", "de", "fr", "es", "nl", "it", "sv", "da", "pl", "cs")
REPLY_LOCAL_PART = "reply"
MAX_MESSAGE_ID = 900
# How much of a mail the quote's start is looked for in. A reply's new words sit at its top;
# a mail longer than this with no quote in its first part is all the customer's (kept whole),
# so a 20 MB body costs the inbound webhook a bounded search, not minutes of matching every
# line. Answers written between or below '>'-quoted lines are still read to the end.
SCANNED_LINES = 10_000
SCANNED_CHARS = 1_000_000


class MalformedPost(ValueError):
    """The inbound post lacks what every SendGrid Inbound Parse post carries."""


@dataclass(frozen=True)
class InboundMail:
    """One inbound email, as SendGrid's Inbound Parse posted it."""

    from_header: str
    to_header: str
    envelope_to: tuple[str, ...]
    envelope_from: str
    subject: str
    text: str
    headers: str
    cc_header: str = ""
    message_id: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    html: str = ""  # the HTML part as sent, kept with the message

    @property
    def new_words(self) -> str:
        """What the customer wrote in this mail, without the quote and signature."""
        return new_words(self.text, self.html)

    @property
    def sender(self) -> str:
        """The sender's bare address, lower-cased: the From header, else the envelope."""
        return address_of(self.from_header) or address_of(self.envelope_from)

    @property
    def recipients(self) -> list[str]:
        """Every address the mail was sent to: the envelope first (the real delivery), then
        the To and Cc headers."""
        found = [address_of(a) for a in self.envelope_to]
        found += [a for _, a in getaddresses([self.to_header, self.cc_header]) if a]
        return [a for a in dict.fromkeys(found) if a]


# ---------------------------------------------------------------- addresses and tokens


def address_of(value: str | None) -> str:
    """'Ana <Ana@Example.COM>' → 'ana@example.com'; '' when there is no address."""
    _, address = parseaddr(value or "")
    return address.strip().lower() if "@" in address else ""


def reply_token(address: str) -> str | None:
    """The token of a reply address such as reply+TOKEN@inbound.example.com, else None.

    Only the local part's 'reply' is compared without case: the token itself is case-sensitive
    (URL-safe base64), so it is never lower-cased.
    """
    _, bare = parseaddr(address or "")
    local, at, _domain = (bare or address or "").strip().rpartition("@")
    if not at:
        return None
    prefix, plus, token = local.partition("+")
    if not plus or prefix.lower() != REPLY_LOCAL_PART or not looks_like_token(token):
        return None
    return token


def reply_tokens(mail: InboundMail) -> list[str]:
    """The reply tokens among the mail's recipients, in the order they should be tried.

    The recipients are read from the raw fields (not lower-cased) to keep the token's case.
    """
    raw = [a for a in mail.envelope_to]
    raw += [a for _, a in getaddresses([mail.to_header, mail.cc_header]) if a]
    tokens = [t for t in (reply_token(a) for a in raw) if t]
    return list(dict.fromkeys(tokens))


# ---------------------------------------------------------------- the new words


def extract_new_text(
    body: str, languages: Iterable[str] = REPLY_LANGUAGES, *, trim_signature: bool = True
) -> str:
    """The customer's new words: the body without the quoted earlier mails and signatures.

    The quote is found by its shape first (quotes.py: wrapped, ISO-dated and foreign
    attributions, separators, header blocks), then mail-parser-reply trims signatures from
    what is left. Not for text read out of an HTML-only mail: its sign-off is part of what
    the customer typed, and clients mark their signature block in the HTML itself.
    Words written below or between '>'-quoted lines (bottom posting, inline answers) are kept.
    '' only when the mail holds nothing but quoted text; whatever the library removes, the
    unquoted lines are returned rather than nothing.
    """
    if not body or not body.strip():
        return ""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    lines = body.split("\n")
    long_mail = len(lines) > SCANNED_LINES or len(body) > SCANNED_CHARS
    head = body[:SCANNED_CHARS].split("\n")[:SCANNED_LINES] if long_mail else lines
    quote = quotes.find_quote_start(head)
    if long_mail and quote is None:
        return _tidy(body)  # a long text with no quote near its top: all the customer's
    candidate = _tidy("\n".join(_unquoted_lines(lines, quote)))
    candidate = signatures.drop_external_banner(signatures.drop_list_footer(candidate))
    candidate = signatures.drop_mobile_signature(candidate)
    if not candidate or not trim_signature or len(candidate) > SCANNED_CHARS:
        return candidate  # (the library's sign-off search is for a reply, not a book)
    message = EmailMessage(
        text=candidate,
        languages=list(languages),
        keep_hyphen_lists=True,  # "- slow exports" in a reply is a list, not a signature
    ).read()
    trimmed = ""
    if message.replies and not message.replies[0].headers:
        trimmed = _tidy(message.replies[0].body)
    return _cut_like(candidate, trimmed) or candidate


def _cut_like(candidate: str, trimmed: str) -> str:
    """The candidate cut where the library cut its signature, with the customer's own lines
    kept: the library also drops lines it reads as rules ("_____" between two paragraphs)."""
    lines = candidate.split("\n")
    k = -1
    for wanted in (line.strip() for line in trimmed.split("\n") if line.strip()):
        k = next((j for j in range(k + 1, len(lines)) if lines[j].strip() == wanted), -2)
        if k == -2:
            return trimmed  # the library rewrote a line: keep its reading
    return "\n".join(lines[: k + 1]).strip() if k >= 0 else trimmed


def new_words(text: str, html: str = "") -> str:
    """The customer's words in a stored mail: its text (the plain part, or the text read out
    of the HTML when there was no plain part) and its HTML as sent."""
    read_from_html = bool(html.strip()) and text == text_from_html(html)
    try:
        return extract_new_text(text, trim_signature=not read_from_html)
    except RecursionError:
        # A mail shaped to nest the quote matching too deep: keep every word rather than fail
        # the webhook (SendGrid would retry the same post and finally drop the reply).
        return _tidy(text)


def _unquoted_lines(lines: list[str], quote: quotes.QuoteStart | None) -> list[str]:
    """The lines above the first quote header (`quote`, found by quotes.find_quote_start),
    plus answers written between or below '>'-quoted lines after it; an unmarked
    (Outlook-style) quote runs to the end."""
    if quote is None:
        above, below = lines, []
    else:
        above, below = lines[: quote.start], lines[quote.end :]
        if quote.prefix:
            above = [*above, quote.prefix]
    kept = [line for line in above if not _is_quoted(line)]
    while kept and (not kept[-1].strip() or quotes.is_rule(kept[-1])):
        kept.pop()
    first = next((line for line in below if line.strip()), "")
    if not _is_quoted(first):
        return kept  # the quoted mail follows unmarked: nothing of the customer's below it
    answers: list[str] = []
    for k, line in enumerate(below):
        if _is_quoted(line) or _is_wrapped_link(below, k) or _is_wrapped_quote(below, k):
            if answers and answers[-1] != "":
                answers.append("")
            continue
        if quotes.is_rule(line) and len(line.strip()) >= 4 or line.rstrip() == "--":
            break  # a mailing list's footer, the start of another quote, or the signature
        answers.append(line)
    if any(line.strip() for line in answers):
        kept += [""] + answers
    return kept


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


_URL = re.compile(r"\(?<?(?:https?://|www\.)\S+")


def _between_quotes(lines: list[str], k: int) -> bool:
    """Line k is unquoted but squeezed between two '>'-quoted lines."""
    return 0 < k < len(lines) - 1 and _is_quoted(lines[k - 1]) and _is_quoted(lines[k + 1])


def _is_wrapped_link(lines: list[str], k: int) -> bool:
    """A quoted link's wrapped tail that lost its '>' ("_nonce=3dd518)", "(http://x/c/Y) >"),
    squeezed between two quoted lines: not an inline answer."""
    if not _between_quotes(lines, k):
        return False
    line = lines[k].strip()
    if _URL.search(line):
        return not re.search(r"[^\W\d_]{2,}", _URL.sub("", line))
    return " " not in line and re.search(r"[=&%/_)]", line) is not None


_WRAP_WIDTH = 60  # a quoted line this long was hard-wrapped by the client


def _is_wrapped_quote(lines: list[str], k: int) -> bool:
    """The tail of a long quoted line that the client wrapped without repeating '>'
    ("> ... kale chips" / "brooklyn four dollar toast." / "> ..."): no blank line around it,
    the line above near the wrap width and not ending a sentence, or this one in lower case."""
    if not _between_quotes(lines, k):
        return False
    above, line = lines[k - 1].rstrip(), lines[k].strip()
    if len(above) < _WRAP_WIDTH or not line:
        return False
    return not above.endswith((".", "!", "?", ":")) or line[0].islower()


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue  # collapse runs of blank lines
        out.append(line)
    return "\n".join(out).strip()


class _TextFromHtml(HTMLParser):
    """Visible text of an HTML mail, without <blockquote>s (where clients put the quote)."""

    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table"}
    SKIP = {"blockquote", "style", "script", "head", "title"}
    # Where clients put the quote or the signature block, by class or id: Gmail, Thunderbird,
    # Yahoo, Proton, Zoho, Outlook's mobile apps.
    MARKED = (
        "gmail_quote",
        "gmail_signature",
        "moz-cite-prefix",
        "moz-signature",
        "yahoo_quoted",
        "protonmail_quote",
        "zmail_extra",
        "mail-editor-reference-message-container",
        "ms-outlook-mobile-signature",
    )
    # Where Outlook (desktop, web, new) starts the quoted mail: everything after is the quote,
    # whatever language its From:/Sent: block is in.
    CUT_IDS = ("divRplyFwdMsg", "x_divRplyFwdMsg", "appendonsend")
    OUTLOOK_HEADER_STYLE = re.compile(r"border:\s*none;\s*border-top:\s*solid\s+#[0-9a-f]{6}", re.I)

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.cut = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes, ident = found.get("class") or "", found.get("id") or ""
        if ident in self.CUT_IDS or self.OUTLOOK_HEADER_STYLE.search(found.get("style") or ""):
            self.cut = True
        quote_or_signature = any(mark in classes or mark == ident for mark in self.MARKED)
        if tag in self.SKIP or (self.skipping and tag == "div") or quote_or_signature:
            self.skipping += 1
        elif tag in self.BLOCK and not self.skipping:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and (tag in self.SKIP or tag == "div"):
            self.skipping -= 1
        elif tag in self.BLOCK and not self.skipping:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping and not self.cut:
            self.parts.append(data)


def text_from_html(html: str) -> str:
    parser = _TextFromHtml()
    parser.feed(html or "")
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    return _tidy("\n".join(" ".join(line.split()) for line in text.split("\n")))


# ---------------------------------------------------------------- SendGrid's post


def _json_field(form: Mapping[str, str], name: str) -> object:
    raw = form.get(name)
    if raw is None or raw == "":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise MalformedPost(f"the '{name}' field is not JSON") from None


def _message_id(headers: str) -> str | None:
    value = HeaderParser().parsestr(headers or "").get("Message-ID")
    value = " ".join(str(value).split()) if value else ""
    return value[:MAX_MESSAGE_ID] or None


def from_sendgrid(form: Mapping[str, str]) -> InboundMail:
    """Read Inbound Parse's fields (the parsed form, or the raw MIME in 'email').

    Raises MalformedPost when the envelope, the recipients or the sender is missing.
    """
    envelope = _json_field(form, "envelope")
    if not isinstance(envelope, dict):
        raise MalformedPost("the 'envelope' field is missing")
    to = envelope.get("to") or []
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not all(isinstance(a, str) for a in to) or not to:
        raise MalformedPost("the envelope has no 'to' addresses")
    envelope_from = str(envelope.get("from") or "")

    if form.get("email"):
        mail = _from_mime(form["email"], tuple(to), envelope_from)
    else:
        text = form.get("text") or ""
        html = form.get("html") or ""
        if not text.strip() and html.strip():
            text = text_from_html(html)
        headers = form.get("headers") or ""
        mail = InboundMail(
            from_header=form.get("from") or "",
            to_header=form.get("to") or "",
            cc_header=form.get("cc") or "",
            envelope_to=tuple(to),
            envelope_from=envelope_from,
            subject=form.get("subject") or "",
            text=text,
            headers=headers,
            message_id=_message_id(headers),
            html=html,
        )
    if not mail.sender:
        raise MalformedPost("there is no sender address ('from' or the envelope's 'from')")
    return mail


def _from_mime(raw: str, envelope_to: tuple[str, ...], envelope_from: str) -> InboundMail:
    """SendGrid's "POST the raw, full MIME message" mode."""
    # Bytes, so each part is decoded with its own declared charset.
    message = BytesParser(policy=policy.default).parsebytes(raw.encode("utf-8", "replace"))
    text = _body_of(message, "plain")
    html = _body_of(message, "html")
    if not text.strip() and html.strip():
        text = text_from_html(html)
    headers = "".join(f"{k}: {v}\n" for k, v in message.items())
    return InboundMail(
        from_header=str(message.get("From") or ""),
        to_header=str(message.get("To") or ""),
        cc_header=str(message.get("Cc") or ""),
        envelope_to=envelope_to,
        envelope_from=envelope_from,
        subject=str(message.get("Subject") or ""),
        text=text,
        headers=headers,
        message_id=_message_id(headers),
        html=html,
    )


def _body_of(message: EmailMessageObj, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))  # type: ignore[attr-defined]
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace")


_UTF8 = re.compile(r"^(utf-?8|us-ascii|ascii)$", re.IGNORECASE)


def redecode_fields(
    content_type: str, body: bytes, charsets: Mapping[str, str]
) -> dict[str, str] | None:
    """Re-read the text fields of a multipart post in the charsets SendGrid named.

    The web framework reads every field as UTF-8; a mail in ISO-8859-1 or Windows-1252 would
    lose its accents. Returns None when every field is UTF-8 already (the common case).
    """
    foreign = {name: cs for name, cs in charsets.items() if cs and not _UTF8.match(str(cs))}
    if not foreign:
        return None
    parsed = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    fields: dict[str, str] = {}
    for part in parsed.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        if not name or part.get_filename():
            continue
        raw = part.get_payload(decode=True) or b""
        charset = foreign.get(name, "utf-8")
        try:
            fields[name] = raw.decode(charset, "replace")
        except LookupError:
            fields[name] = raw.decode("utf-8", "replace")
    return fields
