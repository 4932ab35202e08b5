"""Exports of the dashboard: what analysts take away, with the filters of the page they are on.

Formats and the choices behind them:

- **XLSX** (openpyxl): the reference table. A first sheet « Métadonnées » says which run
  (id, region, dates, provider, parameters, inputs), which schema version was in force, which
  filters were applied and when the file was made; the « Données » sheet has typed cells
  (numbers as numbers, codes as text so that ``01001`` keeps its zero, dates as dates).
- **CSV**: data only, UTF-8 with a BOM, ``;`` separator and decimal comma, so that a French
  Excel opens it as columns of numbers with a double click. Metadata would break that (comment
  lines are not CSV), so each row carries its run id, the file name says region, run and
  filters, and the XLSX carries the full header. Programs read it with
  ``pandas.read_csv(path, sep=";", decimal=",", header=1, dtype=str)`` (codes stay text).
- **Headers** (CSV and the « Données » sheet): a row of the columns' names in the export's
  language, then a row of their codes (``writers.header_rows``, docs/i18n.md).
- **Values** (CSV and XLSX of indicators): the page's rounded figures
  (``indicators.display.shown_value``), written with all the digits of that float (``repr``);
  the API, GeoJSON and GeoPackage keep every digit of the stored value.
- **GeoJSON** (RFC 7946, WGS84, 6 decimals) with the metadata as a foreign member
  ``sros_metadata``; **GeoPackage** (EPSG:4326, or Lambert 93 with ``crs=2154``) with the
  metadata in a non-spatial table ``metadonnees``. ``simplified=1`` gives the map geometry.
- **PDF** (WeasyPrint): the territory page as a report, its map drawn here as SVG from the
  simplified geometries (``report_map``); WeasyPrint fetches nothing from the network.

Exports read stored runs only (``indicators.selectors``) and need the same login and region
permission as the pages. They never run long in a web worker: XLSX, GeoPackage, PDF and big
CSV/GeoJSON are jobs on a Celery worker (``views``, ``jobs``, ``job_views``). CSV and XLSX text
that would start a formula is neutralised (``cells``); GeoJSON, GeoPackage and PDF are not
spreadsheets and carry the text as stored.
"""
