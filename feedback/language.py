"""Which language a comment is written in, so it can be routed and analysed (the sentiment and
theme vocabularies are English).

Uses lingua-language-detector: its n-gram models ship inside the wheel, nothing is downloaded.
Measured against py3langid on short feedback comments, lingua was as accurate and needed about
36 MB instead of 130 MB (py3langid pulls in numpy and unpacks its whole model), so lingua it is,
restricted to the languages our customers write in and in low-accuracy mode (trigrams only,
plenty for whole sentences, and a fraction of the memory). The detector is built on the first
call, never at import time; web workers call `warm_up` as they start (gunicorn.conf.py), so no
customer's comment waits the second or so it takes.

Short comments: "ok", "great" or "love it" carry too little signal for any statistical model
(lingua calls "love it" Norwegian). A comment made only of common English feedback words is
English; any other text with fewer than MIN_LETTERS letters, or where the model is unsure
(a stricter bar below SHORT_TEXT letters), is None ("unknown"), which callers treat as
"analyse as English, do not route by language".
"""

from __future__ import annotations

import re
from functools import cache

#: ISO 639-1 codes the detector chooses among.
LANGUAGES: tuple[str, ...] = (
    "en", "de", "fr", "es", "nl", "pt", "it", "sv", "da", "nb", "fi", "pl", "cs", "tr", "ja", "zh",
)  # fmt: skip

#: Below this many letters, a text is too short to call unless it is common English.
MIN_LETTERS = 6
#: The top language must have at least this confidence (lingua's values sum to 1) ...
MIN_CONFIDENCE = 0.5
#: ... and more below SHORT_TEXT letters, where trigram models guess ("Export to Excel is
#: broken" comes out Dutch at 0.71).
SHORT_TEXT, MIN_CONFIDENCE_SHORT = 40, 0.9

# Words that make up most one- and two-word English comments.
_SHORT_ENGLISH = frozenset(
    "ok okay k fine good great nice cool awesome amazing excellent perfect superb love loved "
    "like it is its it's thanks thank you thx ty much very so really all n/a na none nothing "
    "no yes yep nope meh bad poor terrible awful horrible slow fast easy hard average decent "
    "solid useful helpful the a product app service support works working price expensive "
    "cheap best worst well works worked fast quick".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@cache
def _detector():
    """Built once per process on first use: about 0.4 s and 36 MB for these languages."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_low_accuracy_mode().build()


def detect_language(text: str | None) -> str | None:
    """ISO 639-1 code of the comment's language, or None when too short or unsure."""
    if not text:
        return None
    words = _WORD.findall(text.lower())
    if words and all(w in _SHORT_ENGLISH for w in words) and len(words) <= 4:
        return "en"
    letters = sum(len(w) for w in words)
    if letters < MIN_LETTERS:
        return None
    confidences = _detector().compute_language_confidence_values(text)
    needed = MIN_CONFIDENCE_SHORT if letters < SHORT_TEXT else MIN_CONFIDENCE
    if not confidences or confidences[0].value < needed:
        return None
    return confidences[0].language.iso_code_639_1.name.lower()


def warm_up() -> None:
    """Build the detector and load its models now (one detection pulls in every language's
    n-grams), so the first comment a worker stores does not pay for it."""
    _detector().compute_language_confidence_values("The setup was quick and support helped.")
