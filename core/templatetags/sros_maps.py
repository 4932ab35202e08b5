"""``{% basemap_script %}``: after Leaflet, the script that puts the host's background map
(``SROS_BASEMAP_URL``, core/basemap.py) under every map of the page; nothing when none is set."""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def basemap_script() -> str:
    if not settings.SROS_BASEMAP_URL:
        return ""
    return format_html(
        '<script src="{}" data-url="{}" data-attribution="{}"></script>',
        static("js/basemap.js"),
        settings.SROS_BASEMAP_URL,
        settings.SROS_BASEMAP_ATTRIBUTION,
    )
