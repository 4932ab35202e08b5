"""Small charts drawn as SVG on the server: no chart library to vendor, nothing to run in the
browser, and the same markup prints and goes into a PDF report as it is.

Each chart is a self-contained ``<svg role="img">`` with a ``<title>`` for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .layers import WORSE_COLOURS, fixed

#: Time bands of "population by time band" (upper bounds, minutes; the last is open).
TIME_BANDS = [15, 30, 45, 60]


def band_labels() -> list[str]:
    return ["0–15 min", "15–30 min", "30–45 min", "45–60 min", _("> 60 min ou non atteint")]


def population_by_band(minutes: Sequence[float | None], population: Sequence[float]) -> list[float]:
    """Population in each band of ``TIME_BANDS`` (upper bound included, like the targets:
    15 minutes is within 0–15); unreachable units fall in the last band."""
    totals = [0.0] * (len(TIME_BANDS) + 1)
    for t, p in zip(minutes, population, strict=True):
        band = len(TIME_BANDS) if t is None else int(np.searchsorted(TIME_BANDS, t, side="left"))
        totals[band] += p or 0.0
    return totals


def _number(value: float) -> str:
    return number_format(round(value), force_grouping=True)


def band_bars(rows: Sequence[tuple[str, list[float]]], *, width: int = 640) -> SafeString:
    """One horizontal bar per row (a pathway level), split into the population of each time
    band; the share of each band is written in the segments wide enough for it."""
    label_width, row_height, top = 190, 26, 8
    bar_width = width - label_width - 10
    height = top + row_height * len(rows) + 40
    parts = []
    for i, (label, totals) in enumerate(rows):
        y = top + i * row_height
        total = sum(totals) or 1.0
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>',
                label_width - 6,
                y + 15,
                label,
            )
        )
        x = float(label_width)
        for band, value in enumerate(totals):
            w = bar_width * value / total
            if w <= 0:
                continue
            share = 100 * value / total
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{} : {} ({} %)</title></rect>",
                    f"{x:.1f}",
                    y + 2,
                    f"{w:.1f}",
                    row_height - 6,
                    WORSE_COLOURS[band],
                    band_labels()[band],
                    _number(value),
                    fixed(share, 0),
                )
            )
            if w > 34:
                parts.append(
                    format_html(
                        '<text x="{}" y="{}" text-anchor="middle" class="chart-value">{} %</text>',
                        f"{x + w / 2:.1f}",
                        y + 15,
                        fixed(share, 0),
                    )
                )
            x += w
    legend_y = top + row_height * len(rows) + 14
    parts.append(_band_legend(label_width, legend_y))
    return _svg(width, height, _("Population par tranche de temps d'accès"), parts)


def _band_legend(x: int, y: int) -> SafeString:
    items = []
    for band, label in enumerate(band_labels()):
        items.append(
            format_html(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                '<text x="{}" y="{}" class="chart-small">{}</text>',
                x,
                y,
                WORSE_COLOURS[band],
                x + 14,
                y + 9,
                label,
            )
        )
        x += 70 if band < len(TIME_BANDS) else 0
    return mark_safe("".join(items))


def time_histogram(
    minutes: Sequence[float | None],
    population: Sequence[float],
    *,
    marker: float | None = None,
    marker_label: str = "",
    target: float | None = None,
    step: int = 5,
    limit: int = 90,
    width: int = 640,
    height: int = 200,
) -> SafeString:
    """Population by access time in ``step``-minute bins up to ``limit`` (the last bin holds
    everything beyond, and the unreachable), with the target and the territory's own value
    as vertical lines."""
    edges = list(range(0, limit + step, step))
    bins = [0.0] * len(edges)
    for t, p in zip(minutes, population, strict=True):
        index = len(edges) - 1 if t is None or t >= limit else int(t // step)
        bins[index] += p or 0.0
    left, bottom, top = 56, 30, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(bins) or 1.0
    bar_w = plot_w / len(bins)
    parts = [
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-axis"/>',
            left,
            top + plot_h,
            left + plot_w,
            top + plot_h,
        ),
        format_html(
            '<text x="{}" y="{}" text-anchor="end" class="chart-small">{}</text>',
            left - 4,
            top + 8,
            _number(peak),
        ),
    ]
    for i, value in enumerate(bins):
        h = plot_h * value / peak
        x = left + i * bar_w
        last = i == len(bins) - 1
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                "<title>{} : {}</title></rect>",
                f"{x + 1:.1f}",
                f"{top + plot_h - h:.1f}",
                f"{bar_w - 2:.1f}",
                f"{h:.1f}",
                "#bd0026" if last else "#3182bd",
                f"≥ {edges[i]} min" if last else f"{edges[i]}–{edges[i] + step} min",
                _number(value),
            )
        )
        if i % 3 == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" class="chart-small">{}</text>',
                    f"{x:.1f}",
                    top + plot_h + 14,
                    edges[i],
                )
            )
    for value, css, label in (
        (target, "chart-target", _("cible")),
        (marker, "chart-marker", marker_label),
    ):
        if value is None:
            continue
        x = left + min(value, limit) / step * bar_w
        parts.append(
            format_html(
                '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" class="{3}"/>'
                '<text x="{4}" y="{5}" class="chart-small">{6}</text>',
                f"{x:.1f}",
                top,
                top + plot_h,
                css,
                f"{x + 3:.1f}",
                top + 10 if css == "chart-target" else top + 22,
                label,
            )
        )
    parts.append(
        format_html(
            '<text x="{}" y="{}" text-anchor="middle" class="chart-small">{}</text>',
            left + plot_w / 2,
            height - 2,
            _("minutes jusqu'au plus proche (population par tranche de 5 min)"),
        )
    )
    return _svg(width, height, _("Distribution des temps d'accès"), parts)


def _svg(width: int, height: int, title: str, parts: Sequence[str]) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {} {}" '
        'width="{}" height="{}"><title>{}</title>{}</svg>',
        width,
        height,
        width,
        height,
        title,
        format_html_join("", "{}", ((p,) for p in parts)),
    )
