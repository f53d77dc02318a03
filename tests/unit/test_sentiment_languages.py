"""German and French comments are scored from kept offline lexicons; other languages say so."""

from __future__ import annotations

import pytest

from feedback import sentiment_languages


@pytest.mark.parametrize(
    ("language", "text", "label"),
    [
        ("de", "Der Export funktioniert nicht und ist furchtbar langsam.", "negative"),
        ("de", "Die App stürzt ständig ab, enttäuschend.", "negative"),
        ("de", "Nicht gut.", "negative"),
        ("de", "Tolles Produkt, wir sind sehr zufrieden.", "positive"),
        ("fr", "Le support est nul et l'application est lente.", "negative"),
        ("fr", "Ce n'est pas bon.", "negative"),
        ("fr", "Le produit plante tout le temps, très décevant.", "negative"),
        ("fr", "Le produit est vraiment excellent.", "positive"),
    ],
)
def test_german_and_french_sentiment(language, text, label):
    result = sentiment_languages.score_comment(text, language)
    assert result is not None and result.label == label
    assert result.drivers and all(d.phrase for d in result.drivers)
    assert result.analyzer_version.startswith(f"textblob-{language}")


@pytest.mark.parametrize("language", ["es", "nl", "pt", "ja"])
def test_languages_without_a_lexicon_get_no_score(language):
    assert sentiment_languages.score_comment("Texto cualquiera", language) is None
    assert not sentiment_languages.scores_language(language)


def test_english_and_unknown_go_to_the_english_analyser():
    assert sentiment_languages.score_comment("The app crashes constantly.", None).label == (
        "negative"
    )
    assert sentiment_languages.scores_language("en") and sentiment_languages.scores_language(None)
