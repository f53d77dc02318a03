"""What phones, mail apps and mail gateways add to a reply: the last lines ("Sent from my
iPhone", "Get Outlook for iOS", "Von meinem iPhone gesendet", "Verstuurd vanaf mijn iPad")
and the external-sender warning above it ("CAUTION: This email originated from outside...").

They are not the customer's words, and the signature library misses most of them (other
languages, a link inside the line, a carrier's comma). Pure: text in, text out.
"""

from __future__ import annotations

import re

# "Sent from my iPhone", "Get Outlook for iOS", "Von meinem iPhone gesendet", "发自我的iPhone":
# a short last line naming a device or mail app, with no comma (a sentence goes on).
_MOBILE_SIGNATURE = re.compile(
    r"^(?:sent (?:from|with|using|via)|get outlook for|envoyé (?:de|depuis|à partir|avec)"
    r"|von meinem|gesendet (?:von|mit)|enviado (?:desde|de|do|a partir|con)"
    r"|(?:verzonden|verstuurd) (?:vanaf|met|van|vanuit)|inviato da"
    r"|wysłane z|skickat från|sendt fra|lähetetty|отправлено с|надіслано з|发自|從我的|gửi từ"
    r"|trimis de pe|diese nachricht wurde (?:von|mit))[^,;]{0,60}$"
    r"|^[^,;]{0,30}(?:から送信|发送|gesendet|küldve)$",
    re.IGNORECASE,
)
_DEVICE = re.compile(
    r"iphone|ipad|android|blackberry|mobile|outlook|samsung|galaxy|phone|device|gmail|yahoo"
    r"|mail|huawei|pixel|xiaomi|handy|smartphone|tablet|windows|móvil|celular|телефон|手机"
    r"|\bios\b|\baol\b|\bapp\b",
    re.IGNORECASE,
)
# Carriers sign with a comma in the line: "Sent from my Verizon, Samsung Galaxy smartphone",
# "Sent via the Samsung Galaxy S22, an AT&T 5G smartphone". Such a line ends with the device.
_CARRIER_SIGNATURE = re.compile(
    r"^sent (?:from|with|via)\b[^;]{0,80}\b(?:smartphone|phone|device|tablet)\.?$",
    re.IGNORECASE,
)


def _is_carrier_signature(line: str) -> bool:
    """After the comma come only names ("Samsung Galaxy", "an AT&T 5G"), never a sentence's
    words ("Sent from my desk, which is easier than my phone.")."""
    if not _CARRIER_SIGNATURE.match(line):
        return False
    after = line.split(",", 1)[1] if "," in line else ""
    words = re.findall(r"[^\W\d_]+", after)
    return not any(w.islower() and len(w) > 3 and not _DEVICE.search(w) for w in words)


def drop_mobile_signature(text: str) -> str:
    """The text without the app's lines at its end, nor the "--" that opened them."""
    lines = text.split("\n")
    dropped = False
    while lines and (not lines[-1].strip() or _is_mobile_signature(lines[-1])):
        dropped = dropped or bool(lines[-1].strip())
        lines.pop()
    while dropped and lines and (not lines[-1].strip() or _DELIMITER.match(lines[-1])):
        lines.pop()
    return "\n".join(lines).strip()


# The signature delimiter ("-- ") and the rules some apps put above their line.
_DELIMITER = re.compile(r"^\s*(?:--\s*|[-_=—–]{2,})\s*$")


# Outlook's mobile apps sign with an invitation to install them, in the phone's language:
# "Get Outlook for iOS", "Holen Sie sich Outlook für Android", "Télécharger Outlook pour
# Android", "Obtener Outlook para iOS", "Outlook voor iOS downloaden".
_APP_INVITATION = re.compile(
    r"^[^,;.:]{0,30}\boutlook\s+(?:for|für|pour|para|voor|per|för|na)\s+"
    r"(?:ios|android|iphone|ipad|mac|windows)\b[^,;.:]{0,20}$",
    re.IGNORECASE,
)
# The links plain-text renderings keep: "Get Outlook for iOS<https://aka.ms/o0ukef>",
# "Sent from Mail<https://go.microsoft.com/fwlink/?LinkId=550986> for Windows".
_INLINE_LINK = re.compile(r"\s*<https?://[^>\s]+>")


def _is_mobile_signature(line: str) -> bool:
    line = _INLINE_LINK.sub("", line.strip()).strip()
    if _APP_INVITATION.match(line) or _is_carrier_signature(line):
        return True
    if not _MOBILE_SIGNATURE.match(line):
        return False
    return len(line.split()) <= 4 or bool(_DEVICE.search(line) and len(line.split()) <= 11)


# Mail gateways put a warning above mail from outside the company: "CAUTION: This email
# originated from outside of the organization...", "[EXTERNAL]", "ACHTUNG: Diese E-Mail
# stammt von einem externen Absender", "ATTENTION : Ce courriel provient de l'extérieur",
# "PRECAUCIÓN: Este correo se originó fuera de la organización", "LET OP: ... van buiten".
_BANNER_START = re.compile(
    r"^\W{0,3}(?:caution|warning|external|attention|achtung|warnung|extern|externe|externo"
    r"|precauci[oó]n|atenci[oó]n|aviso|let op|waarschuwing|notice)\b",
    re.IGNORECASE,
)
_OUTSIDE = re.compile(
    r"outside|external|extern|außerhalb|ausserhalb|extérieur|exterieur|fuera|buiten",
    re.IGNORECASE,
)
# ... and it speaks of the mail itself, not of the customer's subject.
_THIS_MAIL = re.compile(
    r"\b(?:e-?mail|message|mail|courriel|correo|nachricht|bericht|sender|absender"
    r"|expéditeur|remitente|afzender)\b",
    re.IGNORECASE,
)
_BANNER_LINES = 4


def drop_external_banner(text: str) -> str:
    """The text without a gateway's external-sender warning as its first paragraph."""
    lines = text.strip("\n").split("\n")
    end = next((k for k, line in enumerate(lines) if not line.strip()), len(lines))
    paragraph = " ".join(line.strip() for line in lines[:end])
    if end > _BANNER_LINES or end == len(lines) or len(paragraph) > 600:
        return text
    if all(p.search(paragraph) for p in (_BANNER_START, _OUTSIDE, _THIS_MAIL)):
        return "\n".join(lines[end:]).strip()
    return text


# A mailing list's footer under a rule: "riak-users mailing list / riak-users@lists... /
# http://lists.../mailman/listinfo/...", "To unsubscribe from this group, send an email to".
_LIST_FOOTER = re.compile(
    r"mailing list|listinfo|unsubscribe|abmelden|désinscri|darse de baja|afmelden|uitschrijven",
    re.IGNORECASE,
)
_LIST_ADDRESS = re.compile(r"https?://|www\.|[\w.+-]+@[\w-]+\.[\w.]+")
_FOOTER_RULE = re.compile(r"^\s*[-_=*]{8,}\s*$")
_FOOTER_LINES = 6


def drop_list_footer(text: str) -> str:
    """The text without a mailing list's footer block at its end."""
    lines = text.rstrip().split("\n")
    for k in range(len(lines) - 1, max(-1, len(lines) - 2 - _FOOTER_LINES), -1):
        if _FOOTER_RULE.match(lines[k]):
            footer = "\n".join(lines[k + 1 :])
            if k > 0 and _LIST_FOOTER.search(footer) and _LIST_ADDRESS.search(footer):
                return "\n".join(lines[:k]).rstrip()
            return text
    return text
