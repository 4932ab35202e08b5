"""Spreadsheet cells that cannot attack the analyst who opens them (CSV / formula injection).

A facility or zone named ``=cmd|' /C calc'!A0``, or a filter typed into the query string, would
be read by Excel or LibreOffice as a formula when the CSV is opened, or when an XLSX text cell
is edited. OWASP's recommendation (*CSV Injection*) is followed: a **text** cell starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote, which
the spreadsheet shows as text. Numbers are never touched: a float or an int is not text, and a
text that is a plain number (``-12,5``, ``+3``) cannot be a formula, so it is kept as it is.

The rule is the same for the CSV and every sheet of the XLSX (the « Métadonnées » sheet echoes
the user's filters). GeoJSON, GeoPackage and PDF are not spreadsheets: their text arrives
intact. (``defusedcsv`` does the same for CSV only; one rule for both formats is kept here.)
"""

from __future__ import annotations

import re

#: The characters a spreadsheet reads as the start of a formula (OWASP, CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A plain number, with a decimal point or a French decimal comma: never a formula.
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def neutralised(text: str) -> str:
    """``text`` as a spreadsheet must show it: prefixed with ``'`` when it would start a
    formula, unchanged otherwise (numbers included)."""
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text
