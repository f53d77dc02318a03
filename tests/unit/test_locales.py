"""Locale codes are checked against CLDR (Babel), not by their shape."""

import pytest

from feedback.locales import is_known_locale


@pytest.mark.parametrize("code", ["en", "de", "pt-BR", "pt_BR", "EN", "zh-Hant-TW", "fr-CA"])
def test_real_locales_pass(code):
    assert is_known_locale(code)


@pytest.mark.parametrize("code", ["klingon", "tlh", "xx", "zz-ZZ", "123", "en--", ""])
def test_made_up_locales_are_refused(code):
    assert not is_known_locale(code)
