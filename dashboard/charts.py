"""Small charts drawn as SVG on the server: no chart library to vendor, nothing to run in the
browser, and the same markup prints and goes into a PDF report as it is.

Each chart is a self-contained ``<svg role="img">`` with a ``<title>`` for screen readers.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from indicators.display import fixed

from .layers import WORSE_COLOURS

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


#: Average advance of a DejaVu Sans glyph, in em (its digits are 0.64, its lower case 0.55-0.62):
#: a label's width is estimated from its length, generously, so that it stays inside the chart.
GLYPH_EM = 0.62
#: The band chart's label column: at most this share of the chart, labels wrapped to fit it.
LABEL_SHARE = 0.36
LABEL_SIZE, SMALL_SIZE = 11, 10
MAX_LABEL_LINES = 3


def text_width(text: str, size: float) -> float:
    """Estimated width in px of ``text`` at font size ``size`` (``GLYPH_EM``)."""
    return len(text) * size * GLYPH_EM


def wrap_label(text: str, width: float, size: float = LABEL_SIZE) -> list[str]:
    """``text`` in lines that fit ``width`` px, at most ``MAX_LABEL_LINES`` (the last one cut
    with an ellipsis; the whole label stays in the chart's ``<title>``)."""
    chars = max(int(width / (size * GLYPH_EM)), 8)
    lines = textwrap.wrap(text, chars, break_on_hyphens=False) or [""]
    if len(lines) > MAX_LABEL_LINES:
        lines = lines[:MAX_LABEL_LINES]
        lines[-1] = lines[-1][: chars - 1].rstrip() + "…"
    return lines


def _number(value: float) -> str:
    return number_format(round(value), force_grouping=True)


def band_bars(rows: Sequence[tuple[str, list[float]]], *, width: int = 640) -> SafeString:
    """One horizontal bar per row (a pathway level), split into the population of each time
    band; the share of each band is written in the segments wide enough for it. A label too
    long for its column is wrapped on up to three lines, the row growing to hold them, so no
    label runs out of the chart (a report's labels were cut at its left edge)."""
    longest = max((text_width(label, LABEL_SIZE) for label, _totals in rows), default=0)
    label_width = int(min(max(longest + 12, 120), width * LABEL_SHARE))
    bar_width = width - label_width - 10
    line_height, top = 13, 8
    parts = []
    y = top
    for label, totals in rows:
        lines = wrap_label(label, label_width - 12)
        row_height = max(26, line_height * len(lines) + 10)
        parts.append(_label(lines, label_width - 6, y + row_height / 2, line_height))
        bar_y, bar_h = y + (row_height - 20) / 2, 20
        total = sum(totals) or 1.0
        x = float(label_width)
        for band, value in enumerate(totals):
            w = bar_width * value / total
            if w <= 0:
                continue
            share = 100 * value / total
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{} — {} : {} ({} %)</title></rect>",
                    f"{x:.1f}",
                    f"{bar_y:.1f}",
                    f"{w:.1f}",
                    bar_h,
                    WORSE_COLOURS[band],
                    label,
                    band_labels()[band],
                    _number(value),
                    fixed(share, 0),
                )
            )
            if w > 34:
                parts.append(
                    format_html(
                        '<text x="{}" y="{}" text-anchor="middle" class="{}">{} %</text>',
                        f"{x + w / 2:.1f}",
                        f"{bar_y + 14:.1f}",
                        # white on the darkest band (6.6:1), dark text on the others
                        "chart-value chart-value-light"
                        if band == len(TIME_BANDS)
                        else "chart-value",
                        fixed(share, 0),
                    )
                )
            x += w
        y += row_height
    parts.append(_band_legend(label_width, y + 6, width))
    height = int(y + 6 + _legend_rows(label_width, width) * 16 + 8)
    return _svg(width, height, _("Population par tranche de temps d'accès"), parts)


def _label(lines: list[str], x: float, middle: float, line_height: int) -> SafeString:
    """A right-aligned label of ``lines`` centred vertically on ``middle``."""
    first = middle - line_height * (len(lines) - 1) / 2 + 4
    spans = format_html_join(
        "",
        '<tspan x="{}" y="{}">{}</tspan>',
        ((x, f"{first + i * line_height:.1f}", line) for i, line in enumerate(lines)),
    )
    return format_html('<text text-anchor="end" class="chart-label">{}</text>', spans)


def _legend_items(x: int, width: int) -> list[tuple[int, int, int, str]]:
    """(band, x, row, label) of each legend entry, moved to a new row where it would run out."""
    items, row, start = [], 0, x
    for band, label in enumerate(band_labels()):
        advance = 14 + int(text_width(label, SMALL_SIZE)) + 12
        if x + advance > width and x > start:
            x, row = start, row + 1
        items.append((band, x, row, label))
        x += advance
    return items


def _legend_rows(x: int, width: int) -> int:
    return max(row for _b, _x, row, _l in _legend_items(x, width)) + 1


def _band_legend(x: int, y: int, width: int) -> SafeString:
    return format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
        '<text x="{}" y="{}" class="chart-small">{}</text>',
        (
            (left, y + row * 16, WORSE_COLOURS[band], left + 14, y + row * 16 + 9, label)
            for band, left, row, label in _legend_items(x, width)
        ),
    )


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
        # The label goes right of its line, or left of it where it would run out of the chart.
        fits = x + 3 + text_width(label, SMALL_SIZE) <= width
        parts.append(
            format_html(
                '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" class="{3}"/>'
                '<text x="{4}" y="{5}" text-anchor="{6}" class="chart-small">{7}</text>',
                f"{x:.1f}",
                top,
                top + plot_h,
                css,
                f"{x + 3:.1f}" if fits else f"{x - 3:.1f}",
                top + 10 if css == "chart-target" else top + 22,
                "start" if fits else "end",
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
