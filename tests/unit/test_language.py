"""Language detection: whole comments in the languages customers write in, and short ones."""

import pytest

from feedback.language import LANGUAGES, detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The support team was really helpful and fixed the issue quickly.", "en"),
        ("Billing is a nightmare and the app crashes constantly.", "en"),
        ("Der Kundensupport hat schnell geantwortet, wir sind sehr zufrieden.", "de"),
        ("Die App stürzt ständig ab, wenn ich einen Bericht exportiere.", "de"),
        ("Le service client est très réactif, merci beaucoup.", "fr"),
        ("L'application plante tout le temps depuis la dernière mise à jour.", "fr"),
        ("El soporte es muy lento y nadie responde a nuestros correos.", "es"),
        ("Me encanta la aplicación, es muy fácil de usar.", "es"),
        ("De klantenservice reageert nooit op mijn e-mails.", "nl"),
        ("Werkt prima, we zijn heel tevreden met het dashboard.", "nl"),
        ("O suporte é excelente e muito rápido.", "pt"),
        ("Não funciona no meu telefone desde a última atualização.", "pt"),
        ("Il prodotto è ottimo ma costa troppo.", "it"),
    ],
)
def test_whole_comments(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ok", "en"),  # common English feedback words are English however short
        ("great", "en"),
        ("Love it!", "en"),
        ("Works well", "en"),
        ("Too expensive", "en"),
        ("", None),
        (None, None),
        ("   ", None),
        ("12345 !!!", None),  # no letters to go on
        ("xyz", None),  # too short to call
        ("Super Produkt", None),  # the model is unsure (Danish 0.54): say so rather than guess
    ],
)
def test_short_comments_are_english_or_unknown(text: str | None, expected: str | None) -> None:
    assert detect_language(text) == expected


def test_result_is_one_of_the_configured_languages() -> None:
    assert detect_language("Das Reporting ist viel zu langsam geworden.") in LANGUAGES


def test_gunicorn_workers_load_the_detector_as_they_start():
    """The first comment per worker waited ~1.3 s for the models: post_fork loads them now."""
    import runpy
    from pathlib import Path

    from feedback import language

    language._detector.cache_clear()
    settings = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    settings["post_fork"](None, None)
    assert language._detector.cache_info().currsize == 1
    german = "Die Einrichtung war schnell und der Support hilfsbereit."
    assert language.detect_language(german) == "de"
