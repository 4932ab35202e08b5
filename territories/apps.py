from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoriesConfig(AppConfig):
    name = "territories"
    verbose_name = _("Territoires")

    def ready(self) -> None:
        """Zonings and zones are written outside imports too (``territories.services``:
        ``zoning_create``, ``zone_set_communes``; the admin; the shell), and cached pages show
        them (the region dashboard's zonings, zone names in run-bound pages, the scenario
        base's units): any write of one makes the cached pages stale
        (``core.response_cache.invalidate``). The importers' ``data_changed`` does the same."""
        from core.response_cache import invalidate_on_writes

        from .models import Zone, Zoning

        invalidate_on_writes(Zoning, Zone)
