"""English formats: Django's own (``401,478``, ``37.1``), listed so both languages are explicit."""

from django.conf.locale.en.formats import *  # noqa: F403
