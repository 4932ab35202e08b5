"""Where ``manage.py load_road_network`` caches road graphs: ``$SROS_VAR_DIR/road-networks``
(the engine is handed this directory; it reads no settings)."""

from pathlib import Path

from django.conf import settings


def cache_dir() -> Path:
    return Path(settings.VAR_DIR) / "road-networks"
