from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SrosConfig(AppConfig):
    name = "sros"
    verbose_name = _("Schéma régional")

    def ready(self) -> None:
        from . import labels

        labels.register()
