"""What staff pages, the API and the CLI show of a response's analysis: its sentiment,
language, themes and mismatch flag, and a state that is never a silent blank.

Presentation only: it reads the stored analysis of a response (loaded by the caller, see
services.analytics.preload) and returns plain values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from feedback import sentiment_languages

if TYPE_CHECKING:
    from feedback.models import Response


def analysis_state(lang: str | None, scored: bool, analysis: object | None) -> str:
    """'analysed', 'not analysed: language' (a language without a lexicon), or
    'not analysed yet': never a silent blank where a score would be."""
    if scored:
        return "analysed"
    if analysis is not None and not sentiment_languages.scores_language(lang):
        return "not analysed: language"
    return "not analysed yet"


def exposure(response: Response) -> dict[str, Any]:
    """What the API and pages show of a response's analysis."""
    analysis = response.analysis
    scored = analysis is not None and analysis.sentiment_polarity is not None
    return {
        "sentiment": {
            "polarity": analysis.sentiment_polarity,
            "label": analysis.sentiment_label,
            "drivers": analysis.sentiment_drivers or [],
        }
        if scored
        else None,
        "language": analysis.language if analysis else None,
        "state": analysis_state(analysis.language if analysis else None, scored, analysis),
        "themes": [
            {
                "key": tag.theme.key,
                "name": tag.theme.name,
                "spans": tag.spans,
                "sentiment": {"polarity": tag.polarity, "label": tag.label},
            }
            for tag in response.theme_tags
        ],
        "mismatch": {
            "flag": bool(analysis and analysis.mismatch),
            "reason": analysis.mismatch_reason if analysis else None,
        },
    }
