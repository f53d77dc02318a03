"""The fixed words of survey emails and pages, per language; programs supply their own intro.

Missing languages fall back to English word by word, so a partial translation still works.
"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Hi",
        "reminder": "Just a gentle reminder, in case our last email got buried.",
        "nps_question": "How likely are you to recommend {product} to a friend or colleague?",
        "nps_low": "Not at all likely",
        "nps_high": "Extremely likely",
        "effort_question": "How easy was it to get started with {product}?",
        "effort_low": "Very difficult",
        "effort_high": "Very easy",
        "success_question": "What does success with {product} look like for you?",
        "closeness_question": "You told us success means \u201c{success}\u201d. How close are you?",
        "closeness_fallback": "How close are you to what you wanted to achieve with {product}?",
        "closeness_low": "Not close at all",
        "closeness_high": "Already there",
        "open_page": "Prefer to tell us in your own words? Open the survey",
        "thanks": "Thank you,",
        "reply_hint": "You can also simply reply to this email; a person reads every reply.",
        "unsubscribe": "Unsubscribe from these surveys",
        "shipped_subject": "You asked, we changed it",
        "shipped_intro": "You told us what was getting in your way. Here is what we changed:",
        "shipped_closing": "Thank you for telling us; it made the difference.",
    },
    "de": {
        "greeting": "Hallo",
        "reminder": "Eine kurze Erinnerung, falls unsere letzte E-Mail untergegangen ist.",
        "nps_question": "Wie wahrscheinlich ist es, dass Sie {product} einem Freund oder "
        "Kollegen empfehlen?",
        "nps_low": "Sehr unwahrscheinlich",
        "nps_high": "Sehr wahrscheinlich",
        "thanks": "Vielen Dank,",
        "reply_hint": "Sie können auch einfach auf diese E-Mail antworten; jede Antwort wird "
        "von einem Menschen gelesen.",
        "unsubscribe": "Von diesen Umfragen abmelden",
        "shipped_subject": "Sie haben gefragt, wir haben es geändert",
        "shipped_intro": "Sie haben uns gesagt, was Ihnen im Weg stand. Das haben wir geändert:",
        "shipped_closing": "Danke, dass Sie es uns gesagt haben; es hat den Unterschied gemacht.",
    },
    "fr": {
        "greeting": "Bonjour",
        "nps_question": "Quelle est la probabilité que vous recommandiez {product} à un ami "
        "ou un collègue ?",
        "nps_low": "Pas du tout probable",
        "nps_high": "Très probable",
        "thanks": "Merci,",
        "unsubscribe": "Se désabonner de ces enquêtes",
    },
    "es": {
        "greeting": "Hola",
        "nps_question": "¿Qué probabilidad hay de que recomiende {product} a un amigo o colega?",
        "nps_low": "Nada probable",
        "nps_high": "Muy probable",
        "thanks": "Gracias,",
        "unsubscribe": "Darse de baja de estas encuestas",
    },
    "nl": {
        "greeting": "Hallo",
        "nps_question": "Hoe waarschijnlijk is het dat u {product} aanbeveelt aan een vriend "
        "of collega?",
        "nps_low": "Zeer onwaarschijnlijk",
        "nps_high": "Zeer waarschijnlijk",
        "thanks": "Bedankt,",
        "unsubscribe": "Afmelden voor deze enquêtes",
    },
}


def words_for(locale: str | None) -> dict[str, str]:
    base = (locale or "en").replace("_", "-").split("-")[0].lower()
    return {**WORDS["en"], **WORDS.get(base, {})}
