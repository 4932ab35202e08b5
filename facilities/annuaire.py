"""Reader of the Annuaire Santé public extraction ``PS_LibreAcces_Personne_activite``: pure
parsing and line checks, no database (the commune codes are resolved by the importer,
``facilities.importers_annuaire``).

Layout and caveats are quoted in ``docs/annuaire-sante.md``. The file, published by the Agence
du Numérique en Santé (ANS) on ``https://annuaire.sante.fr/web/site-pro/extractions-publiques``
and data.gouv.fr ("Annuaire Santé : extractions des données en libre accès des professionnels
intervenant dans le système de santé", Licence Ouverte), is UTF-8 text, ``|``-separated, one
header line, every line ending with a ``|`` (an empty last field); one line per practitioner
and activity situation. The ANS field description was not found (see the docs): the 52 columns
of ``FIELDS`` are those of the header as public readers of real files quote it, and the reader
locates the columns it needs **by header name**, so columns added later (``Code rôle``,
``Code genre activité``…) or moved do not break it.

**No activity and no age**: the public file says neither how much a practitioner works nor
how old he or she is. An optional activity column (``ETP``, ``Nombre de consultations``) and
optional ``Longitude``/``Latitude`` columns (not in the public file; our extension for a file
an ARS enriches) are read when a file has them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from core.importing import ImportFailed, refuse_empty_or_web_page

from .finess import inside_france

#: The 52 columns of the public extraction, in the order of the header (trailing empty field
#: left out), as quoted in ``docs/annuaire-sante.md``.
FIELDS = [
    "Type d'identifiant PP",
    "Identifiant PP",
    "Identification nationale PP",
    "Code civilité d'exercice",
    "Libellé civilité d'exercice",
    "Code civilité",
    "Libellé civilité",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Code profession",
    "Libellé profession",
    "Code catégorie professionnelle",
    "Libellé catégorie professionnelle",
    "Code type savoir-faire",
    "Libellé type savoir-faire",
    "Code savoir-faire",
    "Libellé savoir-faire",
    "Code mode exercice",
    "Libellé mode exercice",
    "Numéro SIRET site",
    "Numéro SIREN site",
    "Numéro FINESS site",
    "Numéro FINESS établissement juridique",
    "Identifiant technique de la structure",
    "Raison sociale site",
    "Enseigne commerciale site",
    "Complément destinataire (coord. structure)",
    "Complément point géographique (coord. structure)",
    "Numéro Voie (coord. structure)",
    "Indice répétition voie (coord. structure)",
    "Code type de voie (coord. structure)",
    "Libellé type de voie (coord. structure)",
    "Libellé Voie (coord. structure)",
    "Mention distribution (coord. structure)",
    "Bureau cedex (coord. structure)",
    "Code postal (coord. structure)",
    "Code commune (coord. structure)",
    "Libellé commune (coord. structure)",
    "Code pays (coord. structure)",
    "Libellé pays (coord. structure)",
    "Téléphone (coord. structure)",
    "Téléphone 2 (coord. structure)",
    "Télécopie (coord. structure)",
    "Adresse e-mail (coord. structure)",
    "Code Département (structure)",
    "Libellé Département (structure)",
    "Ancien identifiant de la structure",
    "Autorité d'enregistrement",
    "Code secteur d'activité",
    "Libellé secteur d'activité",
    "Code section tableau pharmaciens",
    "Libellé section tableau pharmaciens",
]

#: The columns read, by our name; a file without one of them is not this extraction.
REQUIRED = {
    "identifier_type": "Type d'identifiant PP",
    "identifier": "Identifiant PP",
    "national_id": "Identification nationale PP",
    "profession_code": "Code profession",
    "profession_label": "Libellé profession",
    "category_code": "Code catégorie professionnelle",
    "savoir_faire_type": "Code type savoir-faire",
    "savoir_faire_code": "Code savoir-faire",
    "savoir_faire_label": "Libellé savoir-faire",
    "practice_mode_code": "Code mode exercice",
    "practice_mode_label": "Libellé mode exercice",
    "siret": "Numéro SIRET site",
    "siren": "Numéro SIREN site",
    "finess_site": "Numéro FINESS site",
    "finess_ej": "Numéro FINESS établissement juridique",
    "technical_id": "Identifiant technique de la structure",
    "name": "Raison sociale site",
    "sign": "Enseigne commerciale site",
    "street_number": "Numéro Voie (coord. structure)",
    "street_name": "Libellé Voie (coord. structure)",
    "postcode": "Code postal (coord. structure)",
    "commune_code": "Code commune (coord. structure)",
    "department_code": "Code Département (structure)",
    "sector_code": "Code secteur d'activité",
    "sector_label": "Libellé secteur d'activité",
}
#: Columns read when the header has them (variants of the name seen in public readers of
#: files of different years; our own ``ETP``, ``Nombre de consultations``, ``Longitude``,
#: ``Latitude``). Matched without regard to case.
OPTIONAL = {
    "repetition": ("Indice répétition voie (coord. structure)",),
    "street_type": ("Libellé type de voie (coord. structure)",),
    "city": ("Libellé commune (coord. structure)",),
    "cedex": ("Bureau cedex (coord. structure)",),
    "country_code": ("Code pays (coord. structure)",),
    "pharmacist_section": ("Code section tableau pharmaciens",),
    "role_code": ("Code rôle", "Code fonction"),
    "genre_code": ("Code genre activité", "Code genre d'activité"),
    "etp": ("ETP", "Équivalent temps plein", "Equivalent temps plein"),
    "consultations": ("Nombre de consultations", "Consultations"),
    "longitude": ("Longitude",),
    "latitude": ("Latitude",),
}

FILE_NAME = re.compile(r"PS_LibreAcces_Personne_activite_(\d{12})", re.IGNORECASE)
COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
#: INSEE's code of France in the country nomenclature (COG "pays"); empty means France too.
FRANCE = "99100"
#: The activity value's column: at most 10 digits before the decimal point, 2 after.
ACTIVITY_MAX = Decimal("9999999999.99")


@dataclass
class Record:
    """One line of the file, checked: the values read, by our name (``REQUIRED`` and the
    ``OPTIONAL`` columns, ``""`` when absent)."""

    line: int
    values: dict[str, str]
    activity: Decimal | None = None
    activity_unit: str = ""
    lonlat: tuple[float, float] | None = None

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    @property
    def where(self) -> str:
        return f"line {self.line}"

    @property
    def structure_key(self) -> str:
        """The structure's identity: its technical identifier, else its SIRET, else its
        FINESS site number ("" for a practitioner without an activity site)."""
        if self["technical_id"]:
            return self["technical_id"]
        if self["siret"]:
            return f"SIRET {self['siret']}"
        if self["finess_site"]:
            return f"FINESS {self['finess_site']}"
        return ""

    @property
    def abroad(self) -> bool:
        return self["country_code"] not in ("", FRANCE)

    @property
    def department_guess(self) -> str:
        """The département of a site without a commune code: the file's own column, else
        the postcode's (``97x`` overseas, Corsica's ``20`` split at 20200 as La Poste does:
        an approximation, said in the docs)."""
        code = self["department_code"].strip().upper()
        if code:
            if code.isdigit() and len(code) < 2:
                return code.zfill(2)  # "1" → "01"
            if len(code) == 3 and code.startswith("0"):
                return code[1:]  # "025" → "25", "02A" → "2A"
            return code
        postcode = self["postcode"]
        if not re.fullmatch(r"\d{5}", postcode):
            return ""
        if postcode.startswith("97"):
            return postcode[:3]
        if postcode.startswith("20"):
            return "2A" if postcode < "20200" else "2B"
        return postcode[:2]

    def address(self) -> str:
        number = " ".join(filter(None, [self["street_number"], self["repetition"]]))
        return " ".join(filter(None, [number, self["street_type"], self["street_name"]]))

    def city(self) -> str:
        if self["city"]:
            return self["city"]
        # "25300 DOUBS": the bureau distributeur without its postcode.
        return re.sub(r"^\d{5}\s*", "", self["cedex"]).strip()


@dataclass
class Extraction:
    """The file's header mapping and the date its name gives."""

    path: Path
    columns: dict[str, int]
    width: int
    source_date: dt.date | None


def source_date_of(path: Path) -> dt.date | None:
    """The extraction date in ``PS_LibreAcces_Personne_activite_<AAAAMMJJhhmm>.txt``."""
    match = FILE_NAME.search(path.name)
    if not match:
        return None
    try:
        return dt.datetime.strptime(match.group(1), "%Y%m%d%H%M").date()
    except ValueError:
        return None


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(number, text) of every line, strictly UTF-8, without the end of line."""
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed below, lines are streamed
    except OSError as exc:
        raise ImportFailed(path, f"cannot read the file ({exc.strerror or exc})") from exc
    with file:
        head = file.read(512)
        refuse_empty_or_web_page(path, head)
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise ImportFailed(
                path, "UTF-16 text, not UTF-8; re-save the file as UTF-8", where="line 1"
            )
        file.seek(0)
        for number, raw in enumerate(file, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFailed(
                    path,
                    f"not UTF-8 text (byte {raw[exc.start]:#04x}); re-save the file as UTF-8",
                    where=f"line {number}",
                ) from exc
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield number, text.rstrip("\r\n")


def _header(path: Path, text: str) -> tuple[dict[str, int], int]:
    names = text.split("|")
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        index.setdefault(name.strip().lower(), i)
    absent = [label for label in REQUIRED.values() if label.lower() not in index]
    if len(absent) == len(REQUIRED):
        raise ImportFailed(
            path,
            "not an Annuaire Santé extraction (PS_LibreAcces_Personne_activite): a "
            f"'|'-separated header with {REQUIRED['identifier']!r}, "
            f"{REQUIRED['commune_code']!r}… expected",
            where="line 1",
        )
    if absent:
        raise ImportFailed(path, f"missing column(s) {', '.join(absent)}", where="line 1")
    columns = {name: index[label.lower()] for name, label in REQUIRED.items()}
    for name, labels in OPTIONAL.items():
        found = next((index[label.lower()] for label in labels if label.lower() in index), None)
        if found is not None:
            columns[name] = found
    if "etp" in columns and "consultations" in columns:
        raise ImportFailed(
            path, "two activity columns (ETP and consultations): keep one", where="line 1"
        )
    return columns, len(names)


def read_extraction(path: Path | str) -> tuple[Extraction, Iterator[Record]]:
    """The header (checked at once) and an iterator over the checked lines, streamed so a
    national file (two million lines) is never held in memory. Raises ``ImportFailed`` with
    the line for a line that cannot be read."""
    path = Path(path)
    lines = _lines(path)
    number, first = next(lines, (1, ""))
    columns, width = _header(path, first)
    extraction = Extraction(path, columns, width, source_date_of(path))
    return extraction, _records(extraction, lines)


def _records(extraction: Extraction, lines: Iterator[tuple[int, str]]) -> Iterator[Record]:
    path, columns, width = extraction.path, extraction.columns, extraction.width
    seen_data = False
    for number, text in lines:
        if not text.strip():
            continue
        seen_data = True
        fields = text.split("|")
        if len(fields) != width:
            raise ImportFailed(
                path,
                f"{len(fields)} fields, expected {width} (the columns of line 1)",
                where=f"line {number}",
            )
        values = {name: "" for name in OPTIONAL}
        values.update({name: fields[i].strip() for name, i in columns.items()})
        yield _checked(path, Record(number, values))
    if not seen_data:
        raise ImportFailed(path, "the file has no data line", where="line 2")


def _checked(path: Path, record: Record) -> Record:
    where = record.where
    for name in ("identifier", "national_id"):
        value = record[name]
        if not value.isdigit():
            label = REQUIRED[name]
            shown = f"{value[:40]!r}" + ("…" if len(value) > 40 else "")
            raise ImportFailed(path, f"{label} {shown} is not a number", where=where)
    if not record["profession_code"]:
        raise ImportFailed(path, "empty Code profession", where=where)
    code = record["commune_code"]
    if code and not COMMUNE_CODE.match(code):
        shown = f"{code[:40]!r}" + ("…" if len(code) > 40 else "")
        raise ImportFailed(path, f"invalid Code commune {shown}", where=where)
    for unit in ("etp", "consultations"):
        if record[unit]:
            record.activity, record.activity_unit = _activity(path, record, unit), unit
    if record["longitude"] or record["latitude"]:
        record.lonlat = _lonlat(path, record)
    return record


def _activity(path: Path, record: Record, unit: str) -> Decimal:
    raw = record[unit]
    label = "ETP" if unit == "etp" else "Nombre de consultations"
    shown = f"{raw[:40]!r}" + ("…" if len(raw) > 40 else "")
    try:
        value = Decimal(raw.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ImportFailed(path, f"{label} {shown} is not a number", where=record.where)
    if value < 0 or value > ACTIVITY_MAX:
        raise ImportFailed(
            path, f"{label} {shown} is out of range (0 to {ACTIVITY_MAX:,})", where=record.where
        )
    return value.quantize(Decimal("0.01"))


def _lonlat(path: Path, record: Record) -> tuple[float, float]:
    lon_raw, lat_raw = record["longitude"], record["latitude"]
    try:
        lon, lat = float(lon_raw.replace(",", ".")), float(lat_raw.replace(",", "."))
    except ValueError as exc:
        raise ImportFailed(
            path,
            f"non-numeric Longitude/Latitude {lon_raw[:40]!r}, {lat_raw[:40]!r}",
            where=record.where,
        ) from exc
    if not (math.isfinite(lon) and math.isfinite(lat) and inside_france(lon, lat)):
        raise ImportFailed(
            path, f"coordinates lat {lat}, lon {lon} outside France", where=record.where
        )
    return lon, lat
