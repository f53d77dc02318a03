"""The fixed words of customer emails, as msgids of the customer catalogue.

The translations live in feedback/translations/<lang>/LC_MESSAGES/messages.po; programs
supply their own subject and intro per language, and the catalogue's defaults otherwise.
"""

from __future__ import annotations

from feedback.mail import catalogue
from feedback.wording import N_

GREETING_NAMED = N_("Hi %(name)s,")
GREETING_UNNAMED = N_("Hello,")
REMINDER = N_("Just a gentle reminder, in case our last email got buried.")
REMINDER_SUBJECT = N_("Reminder: %(subject)s")
OPEN_PAGE = N_("Prefer to tell us in your own words? Open the survey")
THANKS = N_("Thank you,")
REPLY_HINT = N_("You can also simply reply to this email; a person reads every reply.")
UNSUBSCRIBE = N_("Unsubscribe from these surveys")
SHIPPED_SUBJECT = N_("You asked, we changed it")
SHIPPED_INTRO = N_("You told us what was getting in your way. Here is what we changed:")
SHIPPED_CLOSING = N_("Thank you for telling us; it made the difference.")

#: Keys the email templates read from `t`.
_KEYS = {
    "greeting": N_("Hi"),
    "reminder": REMINDER,
    "open_page": OPEN_PAGE,
    "thanks": THANKS,
    "reply_hint": REPLY_HINT,
    "unsubscribe": UNSUBSCRIBE,
    "shipped_subject": SHIPPED_SUBJECT,
    "shipped_intro": SHIPPED_INTRO,
    "shipped_closing": SHIPPED_CLOSING,
}


def words_for(locale: str | None) -> dict[str, str]:
    """The email footer and greeting words in `locale` (the customer catalogue's)."""
    with catalogue.writing_in(locale):
        return {key: catalogue.say(msgid) for key, msgid in _KEYS.items()}
