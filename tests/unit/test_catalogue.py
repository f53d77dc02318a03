"""The customer catalogue is complete and its committed files are up to date.

- messages.pot holds exactly the msgids the code and templates use (re-extract to compare);
- every supported language translates every msgid, keeping each %(placeholder)s;
- each committed .mo says what its .po says (a fresh clone needs no compile step).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from feedback import locales

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "feedback" / "translations"
TRANSLATED = [lang for lang in locales.SUPPORTED if lang != "en"]  # English is the msgid
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _ids(catalog) -> set[str]:
    return {m.id for m in catalog if m.id}


def test_the_template_lists_every_msgid_in_use(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
         "-k", "N_", "--no-location", "--omit-header", "-o", str(fresh), "."],
        cwd=ROOT, check=True,
    )  # fmt: skip
    assert _ids(_catalog(fresh)) == _ids(_catalog(TRANSLATIONS / "messages.pot")), (
        "messages.pot is out of date: run the extract/update/compile commands in README"
    )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_msgid_is_translated_with_its_placeholders(lang):
    catalog = _catalog(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")
    assert _ids(catalog) == _ids(_catalog(TRANSLATIONS / "messages.pot"))
    for message in catalog:
        if not message.id:
            continue
        assert message.string and message.string.strip(), f"{lang}: {message.id!r} untranslated"
        assert not message.fuzzy, f"{lang}: {message.id!r} is fuzzy"
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
            PLACEHOLDER.findall(message.id)
        ), f"{lang}: {message.id!r} lost or gained a placeholder"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_committed_mo_matches_its_po(lang):
    folder = TRANSLATIONS / lang / "LC_MESSAGES"
    po = {m.id: m.string for m in _catalog(folder / "messages.po") if m.id}
    with (folder / "messages.mo").open("rb") as f:
        mo = {m.id: m.string for m in read_mo(f) if m.id}
    assert mo == po, f"{lang}: recompile with `pybabel compile -d feedback/translations`"


def test_one_rule_picks_the_language():
    assert locales.customer_locale("fr-CA", "de", "nl") == "fr"
    assert locales.customer_locale(None, "de_AT", "nl") == "de"
    assert locales.customer_locale("klingon", "", "es") == "es"
    assert locales.customer_locale(None, None, None) == "en"
