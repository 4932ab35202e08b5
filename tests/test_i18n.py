"""The English catalogue is complete and compiled: every message of ``locale/en`` has a
translation that is not fuzzy and is in the committed ``.mo`` (an untranslated or fuzzy one
would be left out by compilemessages, and show in French on the English pages)."""

import gettext
import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def po_messages() -> set[str]:
    """The msgids of ``django.po`` (obsolete ``#~`` entries and the header left out)."""
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    messages = set()
    for block in re.split(r"\n\s*\n", text):
        if block.lstrip().startswith("#~"):
            continue
        match = re.search(r'^msgid ((?:".*"\n?)+)', block + "\n", re.MULTILINE)
        if match:
            parts = re.findall(r'"(.*)"', match.group(1))
            msgid = "".join(parts).encode().decode("unicode_escape").encode("latin-1").decode()
            if msgid:
                messages.add(msgid)
    return messages


def mo_messages() -> set[str]:
    with open(CATALOGUE / "django.mo", "rb") as file:
        catalog = gettext.GNUTranslations(file)._catalog
    return {key[0] if isinstance(key, tuple) else key for key in catalog} - {""}


def test_every_message_is_translated_and_compiled():
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text.split("\n\n", 1)[1]
    assert po_messages() == mo_messages()


def test_the_new_export_and_scenario_strings_read_in_english():
    with open(CATALOGUE / "django.mo", "rb") as file:
        english = gettext.GNUTranslations(file)
    assert english.gettext("Télécharger") == "Download"
    assert english.gettext("côte à côte") == "side by side"
