from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    name = "opendata"
    verbose_name = _("Données ouvertes")

    def ready(self) -> None:
        from core import provenance

        from .selectors import inputs_provenance

        provenance.register(inputs_provenance)

        from . import labels

        labels.register()
