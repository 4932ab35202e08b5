from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Indicateurs d'accessibilité")

    def ready(self) -> None:
        from core.importing import data_changed

        from . import labels

        labels.register()

        data_changed.connect(_mark_runs_stale, dispatch_uid="indicators.mark_runs_stale")


def _mark_runs_stale(sender, region=None, **kwargs) -> None:
    """An import or an edit changed the data: the runs computed before no longer match it."""
    from .services import runs_mark_stale

    runs_mark_stale(region=region)
