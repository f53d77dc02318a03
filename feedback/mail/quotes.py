"""Where the quoted earlier mail starts in a reply, by the shapes mail clients give it.

mail-parser-reply knows one "On ... wrote:" pattern per language, on one line. Real clients
wrap that line ("Le lun. 15 nov. 2021 à 19:42, John <john@x.com>\\na écrit :"), lead it with an
ISO date ("2016-10-24 15:36 GMT+02:00 Foo <foo@x.com>:"), write it in languages the library
lacks (Russian, Ukrainian, Portuguese, Chinese, Japanese, Vietnamese), or quote with a header
block instead ("-----Original Message-----", Outlook's bold "*From:* ... *Sent:* ..."). This
module finds those by shape, so it holds for clients and languages it was not written against:

- an attribution: up to three lines that end with ":" (or a "----" rule) and carry a
  "wrote"-verb of some language, or an address plus a time; a bare "Ana wrote:" or a dated
  "2011/4/7 Ana <ana@x.com>" only right above a '>' quote; it may start mid-line, after the
  reply's last words, when a client lost the line break;
- a separator: a rule naming the original or forwarded message in some language;
- a header block: a "From:"-like line followed closely by a "Sent:"/"To:"/"Subject:"-like one,
  or led by a dated "Date:" or a "Subject:" (Hotmail); a lone "From: Ana <ana@x.com>" line.

Pure: lines in, line numbers out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINES_PER_ATTRIBUTION = 3
# An undated "Ana Ruiz wrote:" is an attribution only this short and right above a quote.
_UNDATED_WORDS = 6

# "wrote" as clients write it: en de fr es nl it pt pl sv/da/no fi cs ru uk hu ro el ko he
# zh ja vi tr.
_WROTE = re.compile(
    r"(?:\bwrote|\bwrites|\bschrieb|\bgeschrieben|a\s+écrit|\bescribió|\bescribio|\bschreef"
    r"|het\s+volgende|ha\s+scritto|\bscrisse|\bescreveu|\bnapisał|\bnapisala|\bnapsal"
    r"|\bpisze|\bpisał|\bskrev|\bskrivit|\bkirjoitti|написал|написала|написав|пишет|писал"
    r"|пише|\bírta|a\s+scris|έγραψε|작성|כתב|写道|寫道|のメッセージ|が書きました|書きました"
    r"|\bviết|\byazdı|^quoting|^zitat von|^citando|^citation de)\s*[:：]?",
    re.IGNORECASE,
)
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\d{4}年")
# A date without a time ("On 3 March 2025", "le 03/03/2025"): a "wrote:" line needs a date,
# a time or an address, so "As my colleague wrote:" in a reply does not cut it.
_DATE = re.compile(
    r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b\d{1,2}\.?\s+\w{3,}\.?,?\s+\d{4}\b|\w{3,}\.?\s+\d{1,2},?\s+\d{4}\b"
)
# A date, then a sender ending in an address: the whole line ("2011/4/7 Ana <ana@x.com>").
_DATED_SENDER = re.compile(
    r"^\s*\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b.{0,80}?[<(]?[\w.+'-]+@[\w-]+(?:\.[\w-]+)+[>)]?\s*$"
)
# Where an attribution can start inside a line: its first word, capitalised as clients
# write it ("On", "Am", "Le", "El", "Op", "Il", "Em", "W dniu", "Den", "På"), maybe after dashes.
_MID_LINE_LEAD = re.compile(r"(?:\s|-)-*\s*(?P<lead>(?:On|Am|Le|El|Op|Il|Em|W dniu|Den|På)\s)")
_LEAD_START = re.compile(r"^\s*(?:(?:On|Am|Le|El|Op|Il|Em|W dniu|Den|På)(?:\s|$)|\d)")
_CLOSING_BRACKET = re.compile(r"^>\s*[^>\s]?.{0,40}[:：]$")
# Clients never open an attribution with "I": "I wrote to ana@x.com on 5/1 at 10:00:" is
# the customer telling what they did.
_FIRST_PERSON = re.compile(r"^(?:I|Ich|Je|J['’]ai|Yo|Ik|Io|We|Wir|Nous|Wij)\b", re.IGNORECASE)
_PLAIN_FIRST_WORD = re.compile(r"[^\W_][^\s:@<>]*\s")
_RULE = re.compile(r"^\s*[-_=*~]{2,}\s*$")
# A rule line with a name in it: "-----Original Message-----", "---- On ... wrote ----".
_NAMED_RULE = re.compile(r"^\s*[-_=*~]{2,}\s*(?P<name>[^-_=*~].*?)\s*[-_=*~]{2,}\s*$")
_SEPARATOR_NAMES = re.compile(
    r"original|ursprüngliche|origine|original|oorspronkelijk|originale|oryginalna|původní"
    r"|alkuperäinen|opprinnelig|oprindelig|ursprungligt|исходное|пересылаемое|вихідне"
    r"|原始|転送|forwarded|weitergeleitete|transféré|reenviado|doorgestuurd|inoltrato"
    r"|encaminhad|mensaje|mensagem|message|nachricht|bericht|messaggio|wiadomość|zpráva",
    re.IGNORECASE,
)
_DATED_INTRO = re.compile(r"^\s*message du \d{1,2}/\d{1,2}/\d{2,4}\b[\d:h .]*$", re.IGNORECASE)
_FORWARD_LINE = re.compile(
    r"^\s*(?:begin forwarded message|anfang der weitergeleiteten(?: nachricht| e-?mail)?"
    r"|début du message réexpédié|inicio del mensaje reenviado|begin doorgestuurd bericht"
    r"|inizio messaggio inoltrato)\s*:",
    re.IGNORECASE,
)

# The first line of a header block, optionally bold (*From:*) or quoted (> From:).
_FROM_KEYS = (
    r"from|von|de|van|da|od|fra|från|lähettäjä|kimden|от|від|发件人|寄件者|差出人|từ|message du"
)
_OTHER_KEYS = (
    r"sent|date|to|subject|cc|gesendet|datum|an|betreff|envoyé|à|a|objet|copie à|enviado|fecha"
    r"|para|asunto|verzonden|aan|onderwerp|inviato|data|oggetto|wysłano|temat|do|skickat|till"
    r"|ämne|sendt|til|emne|lähetetty|vastaanottaja|aihe|отправлено|дата|кому|тема|надіслано"
    r"|assunto|发送时间|时间|日期|收件人|主题|送信日時|宛先|件名|gửi|đến|chủ đề|ngày"
)
_HEADER_KEY = r"^\s*[>\s]*\**\s*(?:{keys})\s*\**\s*[:：]"
_FROM_LINE = re.compile(_HEADER_KEY.format(keys=_FROM_KEYS), re.IGNORECASE)
_OTHER_LINE = re.compile(_HEADER_KEY.format(keys=_OTHER_KEYS), re.IGNORECASE)
# Header blocks that lead with the date or the subject (Hotmail, Windows Live, digests).
_DATE_LINE = re.compile(
    _HEADER_KEY.format(keys=r"date|datum|fecha|data|дата|sent|gesendet|envoyé|enviado|verzonden"),
    re.IGNORECASE,
)
_SUBJECT_LINE = re.compile(
    _HEADER_KEY.format(keys=r"subject|betreff|objet|asunto|onderwerp|oggetto|assunto|тема"),
    re.IGNORECASE,
)
# A sender line whose whole value is an address: "From: Ana <ana@x.com>", "Von: ana@x.com",
# "De : Ana [mailto:ana@x.com]".
_LONE_SENDER = re.compile(
    _HEADER_KEY.format(keys=_FROM_KEYS)
    + r"\s*(?:[^<>\[\]\n]{0,60}[<\[](?:mailto:)?)?[\w.+'-]+@[\w-]+(?:\.[\w-]+)+[>\]]?\s*$",
    re.IGNORECASE,
)
_HEADER_BLOCK_REACH = 6  # a "Sent:" within this many lines below "From:"


@dataclass(frozen=True, slots=True)
class QuoteStart:
    """Lines [start, end) are the quote's header; the quoted mail follows them."""

    start: int
    end: int
    prefix: str = ""  # the reply's words on the header's own line, before it


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _attribution(lines: list[str], i: int) -> int | None:
    """End (exclusive) of an "On ... wrote:" attribution starting at line i, else None."""
    first = lines[i].strip()
    if not first or _is_quoted(lines[i]) or len(first) > 300 or _FIRST_PERSON.match(first):
        return None
    # A wrapped attribution shows itself on its first line: a date, a time, an address, the
    # verb or a lead word. A plain line of the reply is never its first half.
    marked = any(p.search(first) for p in (_TIME, _DATE, _ADDRESS, _WROTE))
    marked = marked or _LEAD_START.match(first) is not None
    # "Am 26.5.2017" wrapped before "um 12:00 schrieb Adam <adam@x.com>:" starts it itself.
    dated_lead = _LEAD_START.match(first) and (_TIME.search(first) or _DATE.search(first))
    joined = ""
    for k in range(i, min(i + _LINES_PER_ATTRIBUTION, len(lines))):
        line = lines[k].strip()
        closes = k > i and _CLOSING_BRACKET.match(line) and joined.count("<") > joined.count(">")
        if not line or (_is_quoted(lines[k]) and not closes) or (k > i and not marked):
            break  # (a wrapped "<ana@x.com" may end on a line that starts with its ">")
        if k > i and (_ends_sentence(first) or (not dated_lead and _starts_attribution(lines, k))):
            return None  # a sentence of the reply, or the attribution starts on the next line
        joined = f"{joined} {line}".strip()
        if len(joined) > 400:
            break
        tail = joined.rstrip("-").rstrip()
        ends_open = tail.endswith((":", "：")) or joined.endswith("--")
        has_verb = _WROTE.search(joined) is not None
        if has_verb and (ends_open or tail.lower().endswith(("wrote", "schrieb"))):
            if _ADDRESS.search(joined) or _TIME.search(joined) or _DATE.search(joined):
                return k + 1
            if k == i and len(joined.split()) <= _UNDATED_WORDS and _quote_follows(lines, k + 1):
                return k + 1  # mutt, webmails: a bare "Ana Ruiz wrote:" right above the quote
        if ends_open and _ADDRESS.search(joined) and _TIME.search(joined):
            return k + 1  # "2016-10-24 15:36 GMT+02:00 Foo <foo@x.com>:" has no verb at all
        if _DATED_SENDER.match(joined) and _quote_follows(lines, k + 1):
            return k + 1  # "2011/4/7 Ana <ana@x.com>" with the '>' quote right below it
    return None


def _ends_sentence(line: str) -> bool:
    """The line ends a sentence of the reply, not a date wrapped mid-attribution
    ("Ana <ana@x.com> schrieb am So., 23." goes on with "Juni 2024, 21:08:")."""
    if not line.endswith((".", "!", "?")):
        return False
    return not (re.search(r"\d\.$", line) and _WROTE.search(line))


def _quote_follows(lines: list[str], k: int) -> bool:
    """The next non-blank line (within two) is '>'-quoted."""
    for line in lines[k : k + 3]:
        if line.strip():
            return _is_quoted(line)
    return False


def _starts_attribution(lines: list[str], k: int) -> bool:
    """Line k is a whole attribution of its own (not the "wrote:" tail of a wrapped one)."""
    own = lines[k].strip()
    if not _PLAIN_FIRST_WORD.match(own) or not (_ADDRESS.search(own) or _TIME.search(own)):
        return False  # "<ana@x.com> wrote:" or "mailto:ana@x.com> wrote:" continues a line
    return _attribution(lines, k) is not None


def _header_block(lines: list[str], i: int) -> int | None:
    """End of a From:/Sent:/To: block starting at line i, else None.

    Most clients lead with "From:"; Hotmail, Windows Live and list digests lead with
    "Date:" or "Subject:". Those count when a "From:" follows, or (for a dated "Date:")
    when another header line does.
    """
    opens_with_from = _FROM_LINE.match(lines[i]) is not None
    if opens_with_from and _LONE_SENDER.match(lines[i]) and _stands_alone(lines, i):
        return i + 1  # "From: Ana <ana@x.com>" on its own: the rest of the block was dropped
    dated = _DATE_LINE.match(lines[i]) is not None and re.search(r"\d", lines[i])
    if not opens_with_from and not dated and not _SUBJECT_LINE.match(lines[i]):
        return None
    end = None
    has_from = opens_with_from
    for k in range(i + 1, min(i + 1 + _HEADER_BLOCK_REACH, len(lines))):
        if _FROM_LINE.match(lines[k]):
            has_from = True
            end = k + 1
        elif _OTHER_LINE.match(lines[k]):
            end = k + 1
    if end is None or not (has_from or dated):
        return None
    return end


def _stands_alone(lines: list[str], i: int) -> bool:
    """Blank (or the mail's edge) above and below line i."""
    above = i == 0 or not lines[i - 1].strip()
    below = i + 1 >= len(lines) or not lines[i + 1].strip()
    return above and below


def _separator(lines: list[str], i: int) -> int | None:
    line = lines[i]
    if _DATED_INTRO.match(line):
        return i + 1  # Orange's "Message du 09/10/25 08:05" above its De:/A:/Objet: block
    named = _NAMED_RULE.match(line)
    if named and _SEPARATOR_NAMES.search(named.group("name")) or _FORWARD_LINE.match(line):
        return i + 1
    if named and _WROTE.search(named.group("name")):
        return i + 1  # Zoho: "---- On Wed, 24 Feb 2021 ... wrote ----"
    if _RULE.match(line) and len(line.strip()) >= 4:
        # A bare rule opens a quote when a header block follows it closely.
        for k in range(i + 1, min(i + 4, len(lines))):
            if lines[k].strip():
                if _header_block(lines, k) is not None:
                    return k
                break
    return None


def find_quote_start(lines: list[str]) -> QuoteStart | None:
    """The first quote header in the mail's lines, or None when none is recognisable."""
    for i in range(len(lines)):
        for finder in (_separator, _attribution, _header_block):
            end = finder(lines, i)
            if end is not None:
                if finder is _separator and end > i + 1:
                    block_end = _header_block(lines, end)
                    end = block_end or end
                elif finder is _separator:
                    block_start = next(
                        (k for k in range(end, len(lines)) if lines[k].strip()), None
                    )
                    if block_start is not None:
                        end = _header_block(lines, block_start) or end
                elif finder is _attribution:
                    shared = _shared_line_attribution(lines, i)
                    if shared is not None:
                        return shared
                return QuoteStart(i, end)
    return None


def _shared_line_attribution(lines: list[str], i: int) -> QuoteStart | None:
    """An attribution that starts mid-line, after the reply's last words: clients that
    lose a line break write "Thanks! On Wed, Apr 4, 2012 at 3:59 PM, Ana <a@x.com> wrote:"."""
    line = lines[i]
    if _is_quoted(line):
        return None
    for lead in _MID_LINE_LEAD.finditer(line):
        prefix = line[: lead.start()].rstrip(" -")
        if not prefix.strip() or _LEAD_START.match(prefix):
            continue  # the line starts the attribution itself ("Le 5 mai, Ana Le Gall ...")
        tail = line[lead.start("lead") :]
        if not (_TIME.search(tail) or _DATE.search(tail)):
            continue  # "Ana On" in a name, not a dated "On ... wrote:"
        end = _attribution([*lines[:i], tail, *lines[i + 1 :]], i)
        if end is not None:
            return QuoteStart(i, end, prefix)
    return None


def is_rule(line: str) -> bool:
    """A line of only dashes, underscores or equals signs (a separator, not words)."""
    return _RULE.match(line) is not None
