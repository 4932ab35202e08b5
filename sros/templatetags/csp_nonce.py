"""``{{ html|csp_nonce:request.csp_nonce }}``: markup made elsewhere (folium's map header and
container) with the request's Content-Security-Policy nonce on each of its ``<script>`` and
``<style>`` tags, so that the policy can refuse every inline block that does not carry it."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_OPENING_TAG = re.compile(r"<(script|style)\b(?![^>]*\snonce=)", re.IGNORECASE)


def add_nonce(html: str, nonce: str) -> SafeString:
    """``html`` (trusted markup of our own code, not user input) with ``nonce="…"`` added to
    its script and style tags that have none."""
    return mark_safe(_OPENING_TAG.sub(rf'<\1 nonce="{escape(nonce)}"', html))


@register.filter(name="csp_nonce")
def csp_nonce_filter(html: str, nonce: str) -> SafeString:
    return add_nonce(html, str(nonce))
