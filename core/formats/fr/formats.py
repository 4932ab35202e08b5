"""French formats: Django's, with the narrow no-break space (U+202F) between thousands.

Django 5.2's ``fr`` locale groups thousands with U+00A0 (no-break space). The Imprimerie
nationale's *Lexique des règles typographiques* and the Unicode CLDR ``fr`` locale use the
narrow no-break space (*espace fine insécable*) there: ``401 478``. We follow CLDR so that every
number of every page (our filters in ``core.templatetags.sros_format``, ``floatformat:"g"``,
the admin) reads the same. ``tests/test_number_formats.py`` pins the choice.
"""

from django.conf.locale.fr.formats import *  # noqa: F403

THOUSAND_SEPARATOR = "\u202f"
