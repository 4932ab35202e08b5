"""Health and social establishments from the FINESS registry, their authorised activities and
their groups.

FINESS (Fichier national des établissements sanitaires et sociaux) numbers each site ("ET",
établissement) and each legal entity ("EJ", entité juridique) with 9 characters, kept as
strings (``010000024``, ``2A0000123``). Each ET has a catégorie (``355`` Centre Hospitalier…);
``kind`` aggregates catégories into the few kinds planners reason with.
"""

from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .activities import Activity, Modality


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
    finess_ej = models.CharField(_("n° FINESS EJ"), max_length=9, blank=True)
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
                condition=Q(finess_et__regex=r"^[0-9][0-9A-Z][0-9]{7}$"),
                name="facility_finess_et_format",
            ),
        ]
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")

    def __str__(self) -> str:
        return f"{self.finess_et} {self.name}"


class Authorisation(models.Model):
    """An activity (with its modality), or a heavy equipment, a site is authorised for, over a
    period.

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
    # Blank for a heavy equipment, which is authorised without an activity.
    activity = models.CharField(_("activité"), max_length=30, choices=Activity.choices, blank=True)
    modality = models.CharField(_("modalité"), max_length=30, choices=Modality.choices, blank=True)
    equipment = models.CharField(_("équipement matériel lourd"), max_length=30, blank=True)
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
        ordering = ["facility", "activity", "modality", "start_date"]
        constraints = [
            # Rows typed in or from an ARS CSV have no identity of their own but this one.
            models.UniqueConstraint(
                fields=["facility", "activity", "modality", "start_date"],
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
        what = self.get_activity_display() if self.activity else self.equipment
        return f"{self.facility_id}: {what} {self.modality}".strip()


class FacilityGroup(models.Model):
    """A group of establishments: a GHT (groupement hospitalier de territoire, with one
    établissement support) or a GCS (groupement de coopération sanitaire)."""

    class Kind(models.TextChoices):
        GHT = "ght", _("Groupement hospitalier de territoire (GHT)")
        GCS = "gcs", _("Groupement de coopération sanitaire (GCS)")

    kind = models.CharField(_("type"), max_length=5, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("nom"), max_length=255)
    support = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="groups_supported",
        verbose_name=_("établissement support"),
    )
    members = models.ManyToManyField(
        Facility, related_name="groups", blank=True, verbose_name=_("membres")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("groupement")
        verbose_name_plural = _("groupements")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# Health professionals (Annuaire Santé), declared in their own module.
from .practitioners import PracticeSite, Practitioner  # noqa: E402, F401
