"""The follow-up question each category gets: the question that moves that customer.

A promoter is asked why they are happy (and later for a review or a referral), a passive what
would make it a 10, a detractor what went wrong (and offered a call).
"""

from __future__ import annotations

FOLLOW_UPS: dict[str, dict[str, str]] = {
    "en": {
        "promoter": "Wonderful! What do you value most about {product}?",
        "passive": "Thank you! What is the one thing that would make it a 10?",
        "detractor": "We're sorry to hear that. What went wrong? We read every answer.",
        "easy": "Great to hear. What helped most in getting started?",
        "neutral": "Thanks. What was harder than it should have been?",
        "difficult": "Sorry it was hard. What got in your way?",
        "success": "What does success with {product} look like for you?",
        "success_hint": "In your own words: what would you like to have achieved in 90 days?",
    },
    "de": {
        "promoter": "Wunderbar! Was schätzen Sie an {product} am meisten?",
        "passive": "Danke! Was würde es zu einer 10 machen?",
        "detractor": "Das tut uns leid. Was ist schiefgelaufen? Wir lesen jede Antwort.",
    },
    "fr": {
        "promoter": "Merci ! Qu'appréciez-vous le plus dans {product} ?",
        "passive": "Merci ! Qu'est-ce qui en ferait un 10 ?",
        "detractor": "Nous en sommes désolés. Qu'est-ce qui n'a pas marché ?",
    },
    "es": {
        "promoter": "¡Genial! ¿Qué es lo que más valora de {product}?",
        "passive": "¡Gracias! ¿Qué haría que fuera un 10?",
        "detractor": "Lo sentimos. ¿Qué salió mal? Leemos todas las respuestas.",
    },
}


def follow_up(category: str | None, locale: str | None, product: str) -> str:
    """The question for this category in the contact's language (English as the fallback)."""
    base = (locale or "en").replace("_", "-").split("-")[0].lower()
    words = {**FOLLOW_UPS["en"], **FOLLOW_UPS.get(base, {})}
    text = words.get(category or "", "Is there anything you would like to tell us?")
    return text.replace("{product}", product)
