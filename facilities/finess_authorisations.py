"""Readers of the FINESS authorisations, as published: the data.gouv extract of authorisations
(``activiteoffresoin`` and ``equipementmateriellourd`` lines) and the ANS FINESS+ JSON
"activités" flow, its announced successor. Pure parsing and checks, no database.

Layouts, nomenclatures and their sources are quoted in ``docs/finess-authorisations.md``:

- the extract's lines carry the fields of the FINESS standard flux files ``cs1400103``
  (activities, "EJ + Activités de soins AMF") and ``cs1400104`` (heavy equipment), in the order
  of the ANS "Description technique de la fourniture automatisée de données FINESS", version
  4.1 of 25 November 2025, §4.4.5–4.4.6 (``ansforge/finess``,
  ``docs/flux/out/standard/Description_Technique_Flux_standard_FINESS_V4_1.pdf``), behind the
  record tag and without ``indnatlien`` on activity lines (the published lines have the ET
  number 11th, which public readers of the file rely on);
- the JSON is the FINESS+ "activités" flow (``ansforge/finess``,
  ``flux/out/data.gouv/activite/``: schema ``schema-activites-v1.json`` and the real example
  ``exemple-finess-activites-journalier-20260401.json``, whose keys win where they differ
  from the schema: ``numFiness``, ``nature.codeNature``, ``caracteristiquesSpecifiques``);
- codes are the ANS nomenclatures (NOS): activities ``TRE_R274-ActiviteSanitaireRegulee``
  (version 20260827120000), modalities ``TRE_R405-ModaliteActiviteSmsseRegulee`` (which
  replaces ``TRE_R275``, version 20260223120000), heavy equipment
  ``TRE_R272-EquipementMaterielLourd`` (version 20231215120000).

An official code is kept with its label; ``catalogue_target`` maps it to our catalogue
(``facilities.activities``) through the one table below, and says why when it cannot: a code
that is not in the nomenclature is never coerced into a neighbour.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.import_checks import csv_records, json_syntax_error
from core.importing import ImportFailed, read_utf8

from .finess import FINESS_NUMBER, OVERSEAS_DEPARTMENTS, read_manifest, read_text

# --- the extract's layout ------------------------------------------------------------------

#: ``activiteoffresoin`` line (cs1400103 fields behind the tag, ``indnatlien`` left out).
ACTIVITY_FIELDS = [
    "activiteoffresoin",
    "nofinessej",
    "rsej",
    "activite",
    "libactivite",
    "modalite",
    "libmodalite",
    "forme",
    "libforme",
    "noautor",
    "dateautor",
    "nofinesset",
    "rset",
    "noligautor",
    "noligautoranc",
    "noautorarhgos",
    "noimplarhgos",
    "noancautact",
    "noancauteml",
    "sectpsy",
    "libsectpsy",
    "datemeo",
    "datefin",
    "datelimite",
    "indcaduc",
    "daterenouv",
    "indrenouv",
    "indsupact",
    "indsupsite",
    "datemajact",
    "datemajsite",
]
#: ``equipementmateriellourd`` line (cs1400104 fields of the EML block behind the tag).
EQUIPMENT_FIELDS = [
    "equipementmateriellourd",
    "nofinessej",
    "rsej",
    "eml",
    "libeml",
    "libcourteml",
    "noautor",
    "noautorarhgos",
    "noimplarhgos",
    "dateautor",
    "nofinesset",
    "numserie",
    "marque",
    "rset",
    "datelimite",
    "indcaduc",
    "indnatlien",
    "datemeo",
    "datefin",
    "indrempl",
    "noautorremplacement",
    "indsup",
    "datemaj",
]
#: The standard flux spells the equipment block ``equipmateriellourd``; both are read.
EQUIPMENT_TAGS = ("equipementmateriellourd", "equipmateriellourd")
DATE_FIELDS = ("dateautor", "datemeo", "datefin", "datelimite")

# --- the nomenclatures and the one mapping table --------------------------------------------

#: TRE_R274 activity code → (official label, catalogue activity or None when our catalogue
#: has no such activity; the reason is in ``OUTSIDE_CATALOGUE``).
ACTIVITY_CODES: dict[str, tuple[str, str | None]] = {
    "01": ("Médecine", "medecine"),
    "02": ("Chirurgie", "chirurgie"),
    "03": ("Gynécologie, obstétrique, néonatologie, réanimation néonatale", "obstetrique"),
    "04": ("Psychiatrie", "psychiatrie"),
    "07": ("Soins de longue durée", "sld"),
    "09": ("Traitement des grands brûlés", None),
    "10": ("Chirurgie cardiaque", "chirurgie_cardiaque"),
    "11": (
        "Activités interventionnelles sous imagerie médicale, par voie endovasculaire, "
        "en cardiologie",
        "cardio_interv",
    ),
    "12": ("Neurochirurgie", "neurochirurgie"),
    "13": (
        "Activités interventionnelles sous imagerie médicale, par voie endovasculaire, "
        "en neuroradiologie",
        None,
    ),
    "14": ("Médecine d'urgence", "urgences"),
    "15": ("Réanimation", "soins_critiques"),
    "16": ("Traitement de l'insuffisance rénale chronique par épuration extrarénale", "irc"),
    "17": ("AMP DPN", None),
    "18": ("Traitement du cancer", "cancer"),
    "19": (
        "Examen des caractéristiques génétiques d'une personne ou identification d'une "
        "personne par empreintes génétiques à des fins médicales",
        None,
    ),
    "50": ("Soins de suite et de réadaptation non spécialisés", "smr"),
    **{
        code: (f"Soins de suite et de réadaptation spécialisés - {label}", "smr")
        for code, label in {
            "51": "Affections de l'appareil locomoteur",
            "52": "Affections du système nerveux",
            "53": "Affections cardio-vasculaires",
            "54": "Affections respiratoires",
            "55": "Affections des systèmes digestif, métabolique et endocrinien",
            "56": "Affections onco-hématologiques",
            "57": "Affections des brulés",
            "58": "Affections liées aux conduites addictives",
            "59": "Affections de la personne agée polypathologique, dépendante ou à risque "
            "de dépendance",
        }.items()
    },
    **{
        code: (label, None)
        for code, label in {
            "80": "Greffe de rein",
            "81": "Greffe de pancréas",
            "82": "Greffe rein-pancréas",
            "83": "Greffe de foie",
            "84": "Greffe d'intestin",
            "85": "Greffe de coeur",
            "86": "Greffe de poumon",
            "87": "Greffe coeur-poumons",
            "88": "Greffe de cellules hématopoïétiques allogreffe",
        }.items()
    },
}
OUTSIDE_CATALOGUE = {
    "09": "grands brûlés: no pathway of the schema uses it yet",
    "13": "neuroradiologie interventionnelle: not in the catalogue yet",
    "17": "AMP / DPN: biology, outside the planning catalogue",
    "19": "génétique: biology, outside the planning catalogue",
    "greffe": "organ transplants are authorised nationally, outside the regional schema",
}

#: TRE_R405 modality codes this table maps (label as published).
MODALITY_LABELS = {
    "00": "Pas de modalité",
    "01": "Gynécologie obstétrique",
    "02": "Néonatologie sans soins intensifs",
    "03": "Néonatologie avec soins intensifs",
    "04": "Réanimation néonatale",
    "06": "Générale",
    "07": "Infanto-juvénile",
    "09": "Adulte (age >=18 ans)",
    "10": "Pédiatrique",
    "22": "SAMU Service d'aide médicale urgente",
    "23": "SU Structure des urgences",
    "24": "SUP Structure des urgences pédiatriques",
    "26": "SMUR Structure mobile d'urgence et de réanimation",
    "27": "SMURP Structure mobile d'urgence et de réanimation pédiatrique",
    "29": "SMUR Antenne",
}
#: (TRE_R274 activity, TRE_R405 modality) → catalogue modality. Obstetric units (01–04) map to
#: the units of the catalogue: the maternity type is derived from them per site
#: (``facilities.perinatal``), never read from a file.
MODALITY_MAP: dict[tuple[str, str], str] = {
    ("03", "01"): "obstetrique",
    ("03", "02"): "neonatologie",
    ("03", "03"): "neonatologie_si",
    ("03", "04"): "reanimation_neonatale",
    ("14", "22"): "samu",
    ("14", "23"): "su",
    ("14", "24"): "su_pediatrique",
    ("14", "26"): "smur",
    ("14", "27"): "smur",  # SMUR with its pédiatrique mention (MENTION_MAP)
    ("14", "29"): "smur",  # an antenne of a SMUR is part of that SMUR
    ("04", "06"): "adultes",
    ("04", "07"): "infanto_juvenile",
    ("02", "09"): "adultes_generale",
    ("02", "10"): "pediatrie",
    **{(code, "09"): "adultes_generale" for code in ("50", "51", "52", "53", "54", "55")},
    **{(code, "10"): "pediatrie" for code in ("50", "51", "52", "53", "54", "55")},
}
#: (TRE_R274 activity, TRE_R405 modality) → catalogue mention of the mapped modality: the SMUR
#: pédiatrique is a mention of the SMUR modality (CSP R6123-1 2° as written by décret
#: 2023-1374). The SUP (24) keeps the pre-2023 modality ``su_pediatrique``: mapped to ``su``
#: + mention, a paediatric-only unit would serve the general "SU" levels.
MENTION_MAP: dict[tuple[str, str], str] = {("14", "27"): "smur_pediatrique"}
#: Catalogue activities that are nothing without their modality (a "médecine d'urgence" that
#: is neither SAMU, SMUR nor SU cannot serve any level): an unmapped modality is an error.
NEEDS_MODALITY = frozenset({"urgences", "psychiatrie"})

#: TRE_R272 heavy equipment → (official label, catalogue equipment or None). Since 1 June 2023
#: the TEP and gamma-cameras are part of the médecine nucléaire activity (décret 2021-1930),
#: no longer heavy equipment: they are kept out rather than counted as equipment.
EQUIPMENT_CODES: dict[str, tuple[str, str | None]] = {
    "05602": ("Scanographe à utilisation médicale", "scanner"),
    "06201": ("Appareil d'IRM à utilisation clinique", "irm"),
    "06301": ("Cyclotron à utilisation médicale", "cyclotron"),
    "44901": ("Caisson hyperbare", "caisson_hyperbare"),
    "05701": ("Caméra à scintillation sans détecteur d'émission de positons", None),
    "05702": ("Caméra à scintillation avec détecteur d'émission de positons", None),
    "05705": ("Tomographe à émissions", None),
    "05706": ("Caméra à positons", None),
}


@dataclass(frozen=True)
class Target:
    """Where an official line goes in the catalogue; ``skip`` explains an official code we
    know but do not plan with, ``error`` a code we must not guess."""

    activity: str = ""
    modality: str = ""
    mention: str = ""
    equipment: str = ""
    skip: str = ""
    error: str = ""


def activity_target(activity: str, modality: str) -> Target:
    """The catalogue activity and modality of official TRE_R274 / TRE_R405 codes."""
    known = ACTIVITY_CODES.get(activity)
    if known is None:
        return Target(error=f"activity code {activity!r} is not in the TRE_R274 nomenclature")
    label, catalogue = known
    if catalogue is None:
        reason = OUTSIDE_CATALOGUE.get(activity) or OUTSIDE_CATALOGUE["greffe"]
        return Target(skip=f"{activity} {label} ({reason})")
    mapped = MODALITY_MAP.get((activity, modality), "")
    if catalogue in NEEDS_MODALITY and not mapped:
        return Target(
            error=f"modality code {modality!r} of activity {activity} ({label}) is not in "
            "the mapping table"
        )
    return Target(
        activity=catalogue, modality=mapped, mention=MENTION_MAP.get((activity, modality), "")
    )


def equipment_target(code: str) -> Target:
    """The catalogue equipment of a TRE_R272 code."""
    known = EQUIPMENT_CODES.get(code)
    if known is None:
        return Target(error=f"equipment code {code!r} is not in the TRE_R272 nomenclature")
    label, catalogue = known
    if catalogue is None:
        return Target(skip=f"{code} {label} (part of médecine nucléaire since 2023-06-01)")
    return Target(equipment=catalogue)


# --- what both readers produce ----------------------------------------------------------------


@dataclass
class OfficialAuthorisation:
    """One authorisation of one site (ET), with its official codes, as the file says it."""

    where: str  # "line 12" or "pmej[3].ege[0].activitesExercees[5]"
    source_key: str
    finess_et: str
    finess_ej: str
    target: Target
    activity_code: str = ""
    activity_label: str = ""
    modality_code: str = ""
    modality_label: str = ""
    form_code: str = ""
    form_label: str = ""
    equipment_code: str = ""
    equipment_label: str = ""
    authorisation_number: str = ""
    arhgos_number: str = ""
    decision_date: dt.date | None = None
    implementation_date: dt.date | None = None
    end_date: dt.date | None = None
    lapse_date: dt.date | None = None

    @property
    def start_date(self) -> dt.date | None:
        """Implementation when known, else the decision: the day the site may serve."""
        return self.implementation_date or self.decision_date

    @property
    def department(self) -> str:
        return department_of(self.finess_et)


@dataclass
class AuthorisationFile:
    source_date: dt.date
    edition: str
    records: list[OfficialAuthorisation] = field(default_factory=list)
    #: Entries of the file that are no site authorisation of care (social activities,
    #: contractual recognitions, inactive rows…), counted by reason.
    ignored: dict[str, int] = field(default_factory=dict)
    #: Every line (entry) of the file per département of its site: the file's scope, within
    #: which what it no longer lists is ended.
    departments: Counter[str] = field(default_factory=Counter)

    def ignore(self, reason: str) -> None:
        self.ignored[reason] = self.ignored.get(reason, 0) + 1


def department_of(finess_number: str) -> str:
    """INSEE département of a FINESS number: its first two characters (``9A`` is ``971``)."""
    prefix = finess_number[:2]
    return OVERSEAS_DEPARTMENTS.get(prefix, prefix)


# --- the data.gouv extract -----------------------------------------------------------------------


def read_extract(path: Path | str) -> AuthorisationFile:
    """Parse and check the whole extract; ``ImportFailed`` names the first bad line."""
    text = read_text(path)
    number, source_date = read_manifest(path, text, "FINESS authorisations extract")
    result = AuthorisationFile(source_date, f"FINESS extraction des autorisations n°{number}")
    seen: dict[str, int] = {}
    records = csv_records(path, text, delimiter=";")
    next(records)
    for line, fields in records:
        record = _extract_record(path, line, fields)
        if record.source_key in seen:
            raise ImportFailed(
                path,
                f"duplicate authorisation {record.source_key} (first on line "
                f"{seen[record.source_key]})",
                where=f"line {line}",
            )
        seen[record.source_key] = line
        result.records.append(record)
        result.departments[record.department] += 1
    if not result.records:
        raise ImportFailed(path, "no activiteoffresoin or equipementmateriellourd line")
    return result


def _extract_record(path: Path | str, line: int, fields: list[str]) -> OfficialAuthorisation:
    tag = fields[0]
    if tag == "activiteoffresoin":
        values = _positional(path, line, fields, ACTIVITY_FIELDS)
        target = activity_target(values["activite"], values["modalite"])
        key = ":".join(
            ("A", values["nofinesset"], values["activite"], values["modalite"], values["forme"])
            + (values["noautor"], values["noligautor"])
        )
        record = OfficialAuthorisation(
            where=f"line {line}",
            source_key=key,
            finess_et=values["nofinesset"],
            finess_ej=values["nofinessej"],
            target=target,
            activity_code=values["activite"],
            activity_label=values["libactivite"],
            modality_code=values["modalite"],
            modality_label=values["libmodalite"],
            form_code=values["forme"],
            form_label=values["libforme"],
        )
    elif tag in EQUIPMENT_TAGS:
        values = _positional(path, line, fields, EQUIPMENT_FIELDS)
        key = ":".join(
            ("E", values["nofinesset"], values["eml"], values["noautor"], values["numserie"])
        )
        record = OfficialAuthorisation(
            where=f"line {line}",
            source_key=key,
            finess_et=values["nofinesset"],
            finess_ej=values["nofinessej"],
            target=equipment_target(values["eml"]),
            equipment_code=values["eml"],
            equipment_label=values["libeml"],
        )
    else:
        raise ImportFailed(
            path,
            f"unknown record type {tag[:40]!r} (expected activiteoffresoin or "
            "equipementmateriellourd)",
            where=f"line {line}",
        )
    where = f"line {line}"
    record.authorisation_number = values["noautor"]
    record.arhgos_number = values["noautorarhgos"]
    record.decision_date = _date(path, where, values["dateautor"], "dateautor")
    record.implementation_date = _date(path, where, values["datemeo"], "datemeo")
    record.end_date = _date(path, where, values["datefin"], "datefin")
    record.lapse_date = _date(path, where, values["datelimite"], "datelimite")
    return record


def _positional(path: Path | str, line: int, fields: list[str], names: list[str]) -> dict:
    # Recent FINESS files end every line with ';': one empty trailing field is tolerated.
    if len(fields) == len(names) + 1 and not fields[-1].strip():
        fields = fields[:-1]
    if len(fields) != len(names):
        raise ImportFailed(
            path,
            f"{names[0]} line with {len(fields)} fields, expected {len(names)}",
            where=f"line {line}",
        )
    values = {name: value.strip() for name, value in zip(names, fields, strict=True)}
    for name in ("nofinesset", "nofinessej"):
        if not FINESS_NUMBER.match(values[name]) and (name == "nofinesset" or values[name]):
            raise ImportFailed(path, f"invalid {name} {values[name]!r}", where=f"line {line}")
    return values


def _date(path: Path | str, where: str, value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (ValueError, TypeError) as exc:
        reason = f"{name} {value!r} is not a date (YYYY-MM-DD)"
        raise ImportFailed(path, reason, where=where) from exc


# --- the FINESS+ JSON "activités" flow ----------------------------------------------------------

#: Natures of the flow (``nature.codeNature``): AMF is an authorised activity of care
#: (activité / modalité / forme, the TRE_R274 codes); EML a heavy equipment. The others are
#: not authorisations of care of the regional schema and are counted, not read.
NATURE_NAMES = {
    "AASA": "autre activité soumise à autorisation",
    "ASR": "activité soumise à reconnaissance contractuelle",
    "ASDR": "activité sanitaire diverse régulée",
    "ASOCR": "activité sociale régulée",
    "ASMR": "activité médico-sociale régulée",
    "AER": "activité d'enseignement régulée",
    "AMM": "activité / modalité / mention (SI Autorisations, codes not mapped yet)",
}


def read_finess_plus(path: Path | str) -> AuthorisationFile:
    """Parse and check the FINESS+ JSON "activités" flow; site-level activities only."""
    try:
        document = json.loads(read_utf8(path))
    except json.JSONDecodeError as exc:
        raise json_syntax_error(path, exc) from exc
    if not isinstance(document, dict) or not isinstance(document.get("pmej"), list):
        raise ImportFailed(path, 'not a FINESS+ activités flow: no "pmej" array at the top')
    generated = str(document.get("generatedAt") or "")
    source_date = _date(path, "generatedAt", generated[:10], "generatedAt")
    if source_date is None:
        raise ImportFailed(path, "generatedAt is missing: the flow's date is unknown")
    result = AuthorisationFile(
        source_date, f"FINESS+ activités {document.get('schemaVersion') or ''}".strip()
    )
    seen: dict[str, str] = {}
    for where, ej, et, entry in _site_activities(path, document["pmej"]):
        result.departments[department_of(et)] += 1
        record = _flow_record(path, where, ej, et, entry, result)
        if record is None:
            continue
        if record.source_key in seen:
            raise ImportFailed(
                path,
                f"duplicate activiteAeId {record.source_key[2:]} "
                f"(first at {seen[record.source_key]})",
                where=where,
            )
        seen[record.source_key] = where
        result.records.append(record)
    return result


def _site_activities(path: Path | str, pmej: list[Any]) -> Iterator[tuple[str, str, str, dict]]:
    """(where, EJ, ET, entry) of every ``ege[].activitesExercees[]`` entry."""
    for i, legal in enumerate(pmej):
        where = f"pmej[{i}]"
        legal = _object(path, where, legal)
        ej = str(legal.get("numFiness") or legal.get("numeroFiness") or "")
        if not FINESS_NUMBER.match(ej):
            raise ImportFailed(path, f"invalid numFiness {ej!r}", where=where)
        for j, site in enumerate(_list(path, f"{where}.ege", legal.get("ege"))):
            site_where = f"{where}.ege[{j}]"
            site = _object(path, site_where, site)
            et = str(site.get("numFinessEge") or "")
            if not FINESS_NUMBER.match(et):
                raise ImportFailed(path, f"invalid numFinessEge {et!r}", where=site_where)
            entries = _list(path, f"{site_where}.activitesExercees", site.get("activitesExercees"))
            for k, entry in enumerate(entries):
                entry_where = f"{site_where}.activitesExercees[{k}]"
                yield entry_where, ej, et, _object(path, entry_where, entry)


def _flow_record(
    path: Path | str, where: str, ej: str, et: str, entry: dict, result: AuthorisationFile
) -> OfficialAuthorisation | None:
    generic = _object(
        path, f"{where}.caracteristiquesGeneriques", entry.get("caracteristiquesGeneriques")
    )
    nature = _object(path, f"{where}.nature", entry.get("nature"))
    code = str(nature.get("codeNature") or "")
    specific = nature.get("caracteristiquesSpecifiques") or {}
    if code not in ("AMF", "EML"):
        if code not in NATURE_NAMES:
            raise ImportFailed(
                path,
                f"unknown codeNature {code[:40]!r} (expected AMF, EML or "
                f"{', '.join(sorted(NATURE_NAMES))})",
                where=f"{where}.nature",
            )
        result.ignore(f"{code} {NATURE_NAMES[code]}")
        return None
    if generic.get("etatObjet") != "A":
        result.ignore(f"{code} inactive (etatObjet {generic.get('etatObjet')!r})")
        return None
    identifier = str(generic.get("activiteAeId") or "")
    if not identifier:
        raise ImportFailed(path, "activiteAeId is missing", where=where)
    record = OfficialAuthorisation(
        where=where, source_key=f"J:{identifier}", finess_et=et, finess_ej=ej, target=Target()
    )
    if code == "AMF":
        kind = _object(path, f"{where}.typeActiviteAMF", specific.get("typeActiviteAMF"))
        record.activity_code = str(kind.get("activiteAMF") or "")
        record.modality_code = str(kind.get("modaliteActivite") or "")
        record.form_code = str(kind.get("formeActivite") or "")
        record.target = activity_target(record.activity_code, record.modality_code)
        # The flow carries codes only: the labels are those of the nomenclatures.
        record.activity_label = ACTIVITY_CODES.get(record.activity_code, ("", None))[0]
        record.modality_label = MODALITY_LABELS.get(record.modality_code, "")
    else:
        kind = _object(path, f"{where}.typeActiviteEML", specific.get("typeActiviteEML"))
        record.equipment_code = str(kind.get("equipementMaterielLourd") or "")
        record.target = equipment_target(record.equipment_code)
        record.equipment_label = EQUIPMENT_CODES.get(record.equipment_code, ("", None))[0]
    record.authorisation_number = str(generic.get("identifiantAutorisation") or "")
    record.arhgos_number = str(generic.get("numAutorisationArhgos") or "")
    dates = {
        name: _date(path, where, generic.get(name), name)
        for name in (
            "dateDebutActiviteAutorisee",
            "dateFinActiviteAutorisee",
            "dateFinEffectiveActivite",
            "dateCaduciteAutorisation",
        )
    }
    record.implementation_date = dates["dateDebutActiviteAutorisee"]
    # The effective end (caducité) wins over the end of validity.
    record.end_date = dates["dateFinEffectiveActivite"] or dates["dateFinActiviteAutorisee"]
    record.lapse_date = dates["dateCaduciteAutorisation"]
    return record


def _object(path: Path | str, where: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise ImportFailed(path, f"expected an object, found {type(value).__name__}", where=where)
    return value


def _list(path: Path | str, where: str, value: Any) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ImportFailed(path, f"expected an array, found {type(value).__name__}", where=where)
    return value
