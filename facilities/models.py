"""Health and social establishments from the FINESS registry, their authorised activities and
their groups.

FINESS (Fichier national des établissements sanitaires et sociaux) numbers each site ("ET",
établissement) and each legal entity ("EJ", entité juridique) with 9 characters, kept as
strings (``010000024``, ``2A0000123``). Each ET has a catégorie (``355`` Centre Hospitalier…);
``kind`` aggregates catégories into the few kinds planners reason with. Each ET belongs to one
EJ (``LegalEntity``, from the ``etalab-cs1100501`` extract, docs/finess-legal-entities.md).
"""

from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import CodeForeignKey

from .catalogue import AuthorisedActivity, LegalText, Mention, Modality

__all__ = [
    "Authorisation",
    "AuthorisedActivity",
    "Facility",
    "FacilityGroup",
    "LegalEntity",
    "LegalText",
    "Mention",
    "Modality",
    "PracticeSite",
    "Practitioner",
]

FINESS_NUMBER_REGEX = r"^[0-9][0-9A-Z][0-9]{7}$"


class LegalEntity(models.Model):
    """A FINESS legal entity (entité juridique, EJ): the legal person that runs one or more
    sites, from the ``structureej`` lines of ``etalab-cs1100501`` (docs/finess-legal-entities.md).

    An EJ that a site names before its own file is loaded is a *stub* (``is_stub``), named by
    its number; the legal entities import fills it in.
    """

    finess_ej = models.CharField(_("n° FINESS EJ"), max_length=9, unique=True)
    name = models.CharField(_("raison sociale"), max_length=255)
    long_name = models.CharField(_("raison sociale longue"), max_length=255, blank=True)
    legal_status_code = models.CharField(_("code statut juridique"), max_length=2, blank=True)
    legal_status_label = models.CharField(_("statut juridique"), max_length=255, blank=True)
    category_code = models.CharField(_("code catégorie FINESS"), max_length=3, blank=True)
    category_label = models.CharField(_("catégorie FINESS"), max_length=255, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("ville"), max_length=150, blank=True)
    commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="legal_entities",
        verbose_name=_("commune"),
    )
    siren = models.CharField(_("n° SIREN"), max_length=9, blank=True)
    ape_code = models.CharField(_("code APE"), max_length=5, blank=True)
    created_on = models.DateField(_("date de création"), null=True, blank=True)
    source_date = models.DateField(_("date de la source"), null=True, blank=True)
    is_stub = models.BooleanField(
        _("à compléter"),
        default=False,
        help_text=_("Créée d'après le n° EJ d'un établissement, avant l'import des EJ."),
    )

    class Meta:
        ordering = ["finess_ej"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finess_ej__regex=FINESS_NUMBER_REGEX),
                name="legal_entity_finess_ej_format",
            ),
        ]
        verbose_name = _("entité juridique")
        verbose_name_plural = _("entités juridiques")

    def __str__(self) -> str:
        return f"{self.finess_ej} {self.long_name or self.name}"


class Facility(models.Model):
    class Kind(models.TextChoices):
        CHU = "chu", _("CHU / CHR")
        CH = "ch", _("Centre hospitalier")
        CLINIC = "clinique", _("Clinique")
        MSP = "msp", _("Maison de santé pluriprofessionnelle")
        HEALTH_CENTRE = "centre_sante", _("Centre de santé")
        EHPAD = "ehpad", _("EHPAD")
        PSYCHIATRY = "psychiatrie", _("Psychiatrie")
        SSR = "ssr", _("Soins de suite et de réadaptation")
        OTHER = "autre", _("Autre")

    class Sector(models.TextChoices):
        PUBLIC = "public", _("Public")
        PRIVATE = "private", _("Privé")
        UNKNOWN = "", _("Inconnu")

    class Status(models.TextChoices):
        OPEN = "open", _("Ouvert")
        PLANNED = "planned", _("En projet")
        CLOSED = "closed", _("Fermé")

    class Source(models.TextChoices):
        FINESS = "finess", _("Extraction FINESS (cs1100507)")
        GISCO = "gisco", _("Eurostat GISCO (FINESS géocodé)")
        DEMO = "demo", _("Démonstration (fictif)")
        MANUAL = "manual", _("Saisie manuelle")

    finess_et = models.CharField(_("n° FINESS ET"), max_length=9, unique=True)
    # Keyed on the EJ number, so ``legal_entity_id`` is the number itself (see ``finess_ej``).
    legal_entity = models.ForeignKey(
        LegalEntity,
        to_field="finess_ej",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facilities",
        verbose_name=_("entité juridique"),
    )
    name = models.CharField(_("raison sociale"), max_length=255)
    category_code = models.CharField(_("code catégorie FINESS"), max_length=4, blank=True)
    category_label = models.CharField(_("catégorie FINESS"), max_length=255, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    sector = models.CharField(
        _("statut juridique"), max_length=10, choices=Sector.choices, blank=True
    )
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.OPEN)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("ville"), max_length=150, blank=True)
    point = models.PointField(_("localisation"), srid=4326, null=True, blank=True)
    commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="facilities",
        verbose_name=_("commune"),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    source_date = models.DateField(_("date de la source"), null=True, blank=True)
    imported_at = models.DateTimeField(_("importé le"), auto_now=True)

    class Meta:
        ordering = ["finess_et"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finess_et__regex=FINESS_NUMBER_REGEX),
                name="facility_finess_et_format",
            ),
        ]
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")

    def __str__(self) -> str:
        return f"{self.finess_et} {self.name}"

    @property
    def finess_ej(self) -> str:
        """The FINESS EJ number of the site's legal entity ("" when it has none), read without
        a query: the foreign key holds the number."""
        return self.legal_entity_id or ""


class Authorisation(models.Model):
    """An activity (with its modality and mention), or a heavy equipment, a site is authorised
    for, over a period.

    ``activity`` and ``equipment`` are keys of the catalogue by code (``facilities.catalogue``:
    the columns hold the codes, ``urgences``, ``irm``); ``modality`` and ``mention`` are codes of
    that activity's modalities and mentions in the catalogue, checked by the importers and
    services (``facilities.activities.CatalogueIndex.allows``).

    Rows from the official FINESS files keep the official codes and labels next to the
    catalogue codes they map to (``facilities.finess_authorisations``), and are identified by
    ``source`` + ``source_key`` (the file's own identity of the authorisation), so that a newer
    extract updates them in place and ends those it no longer lists.
    """

    class Source(models.TextChoices):
        ARS = "ars", _("Fichier ARS (CSV)")
        FINESS_EXTRACT = "finess_extract", _("Extraction FINESS des autorisations")
        FINESS_PLUS = "finess_plus", _("Flux FINESS+ activités")

    facility = models.ForeignKey(
        Facility,
        on_delete=models.CASCADE,
        related_name="authorisations",
        verbose_name=_("établissement"),
    )
    # Empty for a heavy equipment, which is authorised without an activity.
    activity = CodeForeignKey(
        AuthorisedActivity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="activity",
        related_name="authorisations",
        limit_choices_to={"kind": AuthorisedActivity.Kind.ACTIVITY},
        verbose_name=_("activité"),
    )
    modality = models.CharField(_("modalité"), max_length=40, blank=True)
    mention = models.CharField(_("mention"), max_length=40, blank=True)
    equipment = CodeForeignKey(
        AuthorisedActivity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="equipment",
        related_name="equipment_authorisations",
        limit_choices_to={"kind": AuthorisedActivity.Kind.EQUIPMENT},
        verbose_name=_("équipement matériel lourd"),
    )
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.ARS
    )
    source_key = models.CharField(_("identifiant dans la source"), max_length=80, blank=True)
    authorisation_number = models.CharField(_("n° d'autorisation"), max_length=30, blank=True)
    arhgos_number = models.CharField(
        _("n° d'autorisation SI Autorisations (ARHGOS)"), max_length=30, blank=True
    )
    official_activity_code = models.CharField(_("code activité FINESS"), max_length=10, blank=True)
    official_activity_label = models.CharField(_("activité FINESS"), max_length=255, blank=True)
    official_modality_code = models.CharField(_("code modalité FINESS"), max_length=10, blank=True)
    official_modality_label = models.CharField(_("modalité FINESS"), max_length=255, blank=True)
    official_form_code = models.CharField(_("code forme FINESS"), max_length=10, blank=True)
    official_form_label = models.CharField(_("forme FINESS"), max_length=255, blank=True)
    official_equipment_code = models.CharField(_("code EML FINESS"), max_length=10, blank=True)
    official_equipment_label = models.CharField(_("EML FINESS"), max_length=255, blank=True)
    decision_date = models.DateField(_("date de décision"), null=True, blank=True)
    implementation_date = models.DateField(_("date de mise en œuvre"), null=True, blank=True)
    lapse_date = models.DateField(_("date de caducité"), null=True, blank=True)

    class Meta:
        ordering = ["facility", "activity_id", "modality", "start_date"]
        constraints = [
            # Rows typed in or from an ARS CSV have no identity of their own but this one.
            models.UniqueConstraint(
                fields=["facility", "activity", "modality", "mention", "start_date"],
                condition=Q(source_key=""),
                name="authorisation_unique_period_start",
            ),
            models.UniqueConstraint(
                fields=["source", "source_key"],
                condition=~Q(source_key=""),
                name="authorisation_unique_source_key",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="authorisation_dates_in_order",
            ),
        ]
        verbose_name = _("autorisation")
        verbose_name_plural = _("autorisations")

    def __str__(self) -> str:
        what = self.activity_id or self.equipment_id or ""
        return f"{self.facility_id}: {what} {self.modality} {self.mention}".strip()

    @property
    def activity_code(self) -> str:
        """The activity's code, "" for a heavy equipment (no query: the column holds it)."""
        return self.activity_id or ""


class FacilityGroup(models.Model):
    """A group of legal entities, as the Code de la santé publique defines them.

    - GHT, groupement hospitalier de territoire (art. L6132-1): a convention between public
      health establishments (établissements publics de santé, legal entities) of a territory;
      it has no legal personality, and one of its parties is the établissement support
      (``support``), which runs the shared functions for the others;
    - GCS, groupement de coopération sanitaire (art. L6133-1): health establishments and other
      legal persons cooperating; ``support`` is left empty unless one member holds that role.

    The support is always one of the members (``facilities.services.facility_group_save``).
    """

    class Kind(models.TextChoices):
        GHT = "ght", _("Groupement hospitalier de territoire (GHT)")
        GCS = "gcs", _("Groupement de coopération sanitaire (GCS)")

    kind = models.CharField(_("type"), max_length=5, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("nom"), max_length=255)
    support = models.ForeignKey(
        LegalEntity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="groups_supported",
        verbose_name=_("établissement support"),
    )
    members = models.ManyToManyField(
        LegalEntity, related_name="groups", blank=True, verbose_name=_("membres")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("groupement")
        verbose_name_plural = _("groupements")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# Health professionals (Annuaire Santé), declared in their own module.
# Emergency means outside the hospitals (MCS, héliSMUR bases), declared in their own module.
from .emergency import EmergencyResource  # noqa: E402, F401
from .practitioners import PracticeSite, Practitioner  # noqa: E402, F401
