"""The territory report's layout (issue 12 §1): its charts' labels stay inside the chart, as
Chromium lays them out (``getBBox`` of every text against the SVG's box), and WeasyPrint never
splits a table row across two pages of the PDF (its page boxes: a split row would have a box on
each page)."""

from __future__ import annotations

import pytest
from weasyprint import HTML
from weasyprint.formatting_structure.boxes import TableRowBox, TableRowGroupBox

from dashboard import charts, selectors, territory
from dashboard.exports import report
from tests.browser import open_browser

pytest_plugins = ["tests.api_fixtures", "tests.export_fixtures"]

LONG_LABEL = (
    "Périnatalité – 3. Maternité de type 3 (réanimation néonatale, soins intensifs "
    "néonatals et unité kangourou) — attention : population totale, âges non chargés"
)

#: Every text's box in the SVG's user units, with the SVG's own width and height.
TEXT_BOXES = """() => {
  const svg = document.querySelector("svg");
  const box = svg.viewBox.baseVal;
  return {width: box.width, height: box.height, texts: Array.from(svg.querySelectorAll("text"))
    .map(t => { const b = t.getBBox();
                return {text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height}; })};
}"""


def outside(svg: str) -> list[str]:
    """The texts of ``svg`` that Chromium draws (partly) outside its box."""
    with open_browser() as session:
        session.page.set_content(
            f"<!DOCTYPE html><html><body>{report.with_svg_style(svg)}</body></html>"
        )
        layout = session.page.evaluate(TEXT_BOXES)
    return [
        f"{t['text']!r} at x {t['x']:.0f}+{t['w']:.0f}, y {t['y']:.0f}+{t['h']:.0f}"
        for t in layout["texts"]
        if t["x"] < 0
        or t["y"] < 0
        or t["x"] + t["w"] > layout["width"]
        or t["y"] + t["h"] > layout["height"]
    ]


@pytest.mark.browser
def test_long_level_labels_stay_inside_the_band_chart():
    rows = [
        (LONG_LABEL, [100.0, 50.0, 20.0, 10.0, 5.0]),
        ("Urgences – 1. Soins urgents de proximité (SU ou SMUR)", [10.0, 0.0, 0.0, 0.0, 90.0]),
        ("Court", [1.0, 1.0, 1.0, 1.0, 1.0]),
    ]

    svg = str(charts.band_bars(rows))

    assert outside(svg) == []
    assert "…" in svg  # the longest label is cut on its third line…
    assert LONG_LABEL in svg  # …and said whole in the bar's title


@pytest.mark.browser
def test_the_histogram_labels_stay_inside_when_the_marker_is_at_the_right_edge():
    svg = str(
        charts.time_histogram(
            [5.0, 20.0, 88.0, None],
            [100.0, 200.0, 50.0, 10.0],
            marker=89.0,
            marker_label="Communauté de communes du Pays de la Haute-Vallée (fictif)",
            target=85.0,
        )
    )

    assert outside(svg) == []


def test_no_table_row_of_the_report_is_split_across_pages(run, demo):
    department = demo.region.departments.order_by("code").first()
    unit = territory.find_unit(demo.region, "departement", department.code, None)
    html = report.report_html(run, unit, selectors.run_levels(run), None, demo.users["analyst"])

    document = HTML(
        string=html, base_url=report.REPORT_ORIGIN + "/", url_fetcher=report.LocalOnlyFetcher()
    ).render()
    body_rows: dict[int, set[int]] = {}  # a body row's element → the pages it has a box on
    headers: dict[int, set[int]] = {}  # a table's element → the pages its header is drawn on
    for number, page in enumerate(document.pages):
        for group in page._page_box.descendants():
            if not isinstance(group, TableRowGroupBox):
                continue
            if group.is_header:
                headers.setdefault(id(group.element), set()).add(number)
                continue
            for row in group.children:
                if isinstance(row, TableRowBox):
                    body_rows.setdefault(id(row.element), set()).add(number)

    assert len(document.pages) > 2  # long enough for tables to meet a page end
    assert max(len(pages) for pages in headers.values()) > 1  # a header repeated on each page
    assert [pages for pages in body_rows.values() if len(pages) > 1] == []
