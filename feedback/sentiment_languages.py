"""Sentiment of German and French comments, from the lexicons TextBlob's language extensions
ship (textblob-de: de-sentiment.xml, textblob-fr: fr-sentiment.xml; MIT, offline).

The extensions' own analysers are not used: textblob-de imports modules TextBlob 0.20 no longer
has. Their XML lexicons are read by the pattern scorer that TextBlob itself keeps
(textblob._text.Sentiment), with each language's negations and "-lich"/"-ment" modifiers as
the extensions configure them. Found on disk without importing the packages; read on the
first call, never at import time.

Every other language has no lexicon here: `analyze_in` says so with None, and the caller keeps
an explicit "not analysed: language" state rather than a blank or an invented number.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

from feedback.sentiment import Driver, Sentiment, analyze, label_for

#: Languages with a kept sentiment lexicon besides English (which feedback.sentiment scores).
LEXICON_LANGUAGES = ("de", "fr")

_SOURCES = {
    "de": (
        "textblob_de",
        "data/de-sentiment.xml",
        ("nicht", "ohne", "nie", "nein", "kein", "keiner", "keine", "keinen", "nichts"),
        "lich",
    ),
    "fr": (
        "textblob_fr",
        "fr-sentiment.xml",
        ("n'", "ne", "ni", "non", "pas", "rien", "sans", "aucun", "aucune", "jamais"),
        "ment",
    ),
}
VERSION = {
    "de": "textblob-de 0.4.3 lexicon (pattern) + feedback words 1",
    "fr": "textblob-fr 0.2.0 lexicon (pattern) + feedback words 1",
}

# The lexicons rate adjectives from literature and news; what customers write about software
# ("plante", "abgestürzt", "décevant", "enttäuschend") is often missing. A few dozen general
# feedback words per language fill that, like the English feedback vocabulary does. Values
# are pattern polarities (-1..1); words the lexicon rates wrongly for feedback are overridden
# ("tout", as in "tout le temps", is no praise).
FEEDBACK_WORDS: dict[str, dict[str, float]] = {
    "fr": {
        "décevant": -0.6, "décevante": -0.6, "déçu": -0.6, "déçue": -0.6, "déception": -0.6,
        "plante": -0.6, "plantage": -0.6, "bug": -0.5, "bugs": -0.5, "bogue": -0.5,
        "panne": -0.6, "pannes": -0.6, "lent": -0.4, "lente": -0.4, "lenteur": -0.4,
        "cher": -0.3, "chère": -0.3, "nul": -0.8, "nulle": -0.8, "inutilisable": -0.8,
        "compliqué": -0.4, "compliquée": -0.4, "catastrophe": -0.8, "horrible": -0.8,
        "problème": -0.4, "problèmes": -0.4, "erreur": -0.4, "erreurs": -0.4,
        "génial": 0.8, "géniale": 0.8, "super": 0.7, "parfait": 0.9, "parfaite": 0.9,
        "efficace": 0.6, "rapide": 0.4, "facile": 0.5, "intuitif": 0.5, "intuitive": 0.5,
        "excellent": 0.9, "excellente": 0.9, "content": 0.6, "contente": 0.6, "ravi": 0.8,
        "ravie": 0.8, "merci": 0.3, "recommande": 0.5, "top": 0.7, "tout": 0.0,
    },
    "de": {
        "enttäuschend": -0.6, "enttäuscht": -0.6, "abgestürzt": -0.6, "stürzt": -0.6,
        "absturz": -0.6, "abstürze": -0.6, "fehler": -0.4, "bug": -0.5, "bugs": -0.5,
        "langsam": -0.4, "teuer": -0.3, "unbrauchbar": -0.8, "kompliziert": -0.4,
        "ausfall": -0.6, "ausfälle": -0.6, "katastrophe": -0.8, "katastrophal": -0.8,
        "problem": -0.4, "probleme": -0.4, "schlecht": -0.7, "schlechter": -0.7,
        "toll": 0.8, "tolles": 0.8, "toller": 0.8, "tolle": 0.8, "super": 0.7,
        "perfekt": 0.9, "hervorragend": 0.9, "hervorragender": 0.9, "zufrieden": 0.7,
        "schnell": 0.4, "einfach": 0.4, "intuitiv": 0.5, "empfehlen": 0.5, "danke": 0.3,
        "klasse": 0.8, "prima": 0.7, "genial": 0.8,
    },
}  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+(?:'|’)?", re.UNICODE)


def _package_folder(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def _scorer(language: str):  # type: ignore[no-untyped-def]
    """TextBlob's pattern scorer over the language's lexicon, or None if it is not installed."""
    from textblob._text import Sentiment as PatternSentiment

    package, relative, negations, suffix = _SOURCES[language]
    folder = _package_folder(package)
    if folder is None or not (folder / relative).is_file():
        return None
    scorer = PatternSentiment(
        path=str(folder / relative),
        language=language,
        negations=negations,
        modifiers=("RB",),
        modifier=lambda w: w.endswith(suffix),
    )
    scorer.load()
    for word, polarity in FEEDBACK_WORDS[language].items():
        scorer[word] = {None: (polarity, 0.8 if polarity else 0.0, 1.0)}
    return scorer


def available(language: str | None) -> bool:
    return language in LEXICON_LANGUAGES and _scorer(language) is not None


def analyze_in(language: str | None, text: str) -> Sentiment | None:
    """Score a German or French comment; None for a language without a lexicon here."""
    if not available(language):
        return None
    scorer = _scorer(language)
    negations = set(_SOURCES[language][2])
    lowered = (text or "").replace("’", "'").lower()
    drivers: list[Driver] = []
    total = subjectivity = 0.0
    assessments = scorer.assessments([(w, None) for w in _WORD.findall(lowered)])
    for words, polarity, subj, _label in assessments:
        total += polarity
        subjectivity += subj
        drivers.append(Driver(" ".join(words), polarity))
    n = len(assessments)
    polarity = max(-1.0, min(1.0, total / n)) if n else 0.0
    ranked = sorted(
        (
            Driver(d.phrase, round(d.contribution / n, 3))
            for d in drivers
            if n and d.contribution and d.phrase not in negations
        ),
        key=lambda d: -abs(d.contribution),
    )
    return Sentiment(
        polarity=round(polarity, 4),
        subjectivity=round(subjectivity / n, 4) if n else 0.0,
        label=label_for(polarity),
        drivers=tuple(ranked),
        analyzer_version=VERSION[language],
    )


def scores_language(language: str | None) -> bool:
    """Whether a comment in this language gets a sentiment score (None: unknown, read as
    English, the language of the short comments the detector cannot call)."""
    return language in (None, "en") or available(language)


def score_comment(text: str, language: str | None) -> Sentiment | None:
    """The one place that decides which analyser reads a comment: English (and unknown) by
    feedback.sentiment, German and French by their lexicons, None for any other language."""
    if language in (None, "en"):
        return analyze(text)
    return analyze_in(language, text)
