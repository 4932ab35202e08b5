"""The doctors' zoning (zonage médecins, ZIP / ZAC) of a region as a schema object
(docs/doctors-zoning.md).

The method's versions, thresholds and regional caps are data (``ZoningMethod``,
``ZoningCap``), each row citing its source; a version or a cap whose figures could not be
sourced has them empty, and the page says so. A region's zoning (``DoctorsZoning``) records the
version it was computed with, the basis of its APL (the DREES's published APL of a year, or
our own run) and, when it rests on our estimate, the planner who confirmed it; its TVS rows
(``DoctorsZoningEntry``) keep the automatic status and the ARS's choice. Both carry
simple-history; the zoning's ``lock_version`` moves at every change of it or of its rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import text_limits


class ZoningMethod(models.Model):
    """One version of the arrêté fixing the method of the doctors' zoning. ``zip_below`` and
    ``pool_up_to`` are on the DREES's APL scale (consultations and visits per year and per
    standardised inhabitant); NULL where the text was not found: the version cannot zone."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("intitulé"), max_length=400)
    signed_on = models.DateField(_("date de l'arrêté"))
    zip_below = models.FloatField(_("ZIP automatique si APL inférieure à"), null=True, blank=True)
    pool_up_to = models.FloatField(_("vivier jusqu'à une APL de"), null=True, blank=True)
    apl_under_65 = models.BooleanField(
        _("APL aux médecins de 65 ans ou moins"),
        default=False,
        help_text=_("L'arrêté lit l'APL calculée sur les médecins de 65 ans ou moins."),
    )
    source = models.TextField(_("source"), max_length=text_limits.DESCRIPTION)
    notes = models.TextField(_("remarques"), blank=True, max_length=text_limits.DESCRIPTION)

    class Meta:
        ordering = ["-signed_on"]
        verbose_name = _("méthode du zonage médecins (arrêté)")
        verbose_name_plural = _("méthodes du zonage médecins (arrêtés)")

    def __str__(self) -> str:
        return self.title

    @property
    def usable(self) -> bool:
        return self.zip_below is not None and self.pool_up_to is not None


class ZoningCap(models.Model):
    """The caps of one region under one version: the largest shares (0–1) of the region's
    population in ZIP and in ZAC. By region code (the seed may precede the regions' import)."""

    method = models.ForeignKey(
        ZoningMethod, on_delete=models.CASCADE, related_name="caps", verbose_name=_("arrêté")
    )
    region_code = models.CharField(_("code de la région"), max_length=3)
    zip_share = models.FloatField(_("part maximale en ZIP"), null=True, blank=True)
    zac_share = models.FloatField(_("part maximale en ZAC"), null=True, blank=True)
    source = models.TextField(_("source"), max_length=text_limits.DESCRIPTION)

    class Meta:
        ordering = ["method", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["method", "region_code"], name="zoning_cap_once"),
            models.CheckConstraint(
                condition=(
                    (models.Q(zip_share__isnull=True) | models.Q(zip_share__range=(0, 1)))
                    & (models.Q(zac_share__isnull=True) | models.Q(zac_share__range=(0, 1)))
                ),
                name="zoning_cap_shares",
            ),
        ]
        verbose_name = _("plafond régional du zonage médecins")
        verbose_name_plural = _("plafonds régionaux du zonage médecins")

    def __str__(self) -> str:
        return f"{self.method.code} {self.region_code}"


class DoctorsZoning(models.Model):
    """The current doctors' zoning of a region (one per region; its history keeps the past)."""

    class Basis(models.TextChoices):
        DREES = "drees", _("APL publiée par la DREES")
        ESTIMATE = "estimate", _("APL estimée par l'application")
        MIXED = "mixed", _("APL de la DREES et estimée")

    region = models.OneToOneField(
        "territories.Region",
        on_delete=models.CASCADE,
        related_name="doctors_zoning",
        verbose_name=_("région"),
    )
    method = models.ForeignKey(
        ZoningMethod, on_delete=models.PROTECT, related_name="+", verbose_name=_("arrêté")
    )
    tvs_zoning = models.ForeignKey(
        "territories.Zoning",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("territoires de vie-santé"),
    )
    basis = models.CharField(_("base de l'APL"), max_length=10, choices=Basis.choices)
    basis_label = models.CharField(_("source de l'APL"), max_length=120)
    apl_unit = models.CharField(_("unité de l'APL"), max_length=120)
    region_population = models.PositiveIntegerField(_("population de la région"))
    #: What the computation met: communes without APL or in another unit, choices dropped.
    summary = models.JSONField(_("résumé du calcul"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("calculé le"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("calculé par"),
    )
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmé par"),
    )
    lock_version = models.PositiveIntegerField(_("version de verrou"), default=0)
    history = HistoricalRecords(verbose_name=_("historique du zonage médecins"))

    class Meta:
        verbose_name = _("zonage médecins")
        verbose_name_plural = _("zonages médecins")

    def __str__(self) -> str:
        return f"{_('Zonage médecins')} – {self.region.name}"

    @property
    def needs_confirmation(self) -> bool:
        """Resting (wholly or partly) on our estimate and not yet confirmed by a planner."""
        return self.basis != self.Basis.DREES and self.confirmed_at is None


class DoctorsZoningEntry(models.Model):
    """One TVS of a region's doctors' zoning."""

    class Automatic(models.TextChoices):
        ZIP = "zip_auto", _("Sélection nationale (ZIP)")
        POOL = "vivier", _("Vivier")
        OUTSIDE = "hors_vivier", _("Hors vivier")
        UNKNOWN = "apl_manquante", _("APL inconnue")

    class Category(models.TextChoices):
        ZIP = "zip", _("ZIP")
        ZAC = "zac", _("ZAC")
        POOL = "vivier", _("Vivier")
        NONE = "hors_zonage", _("Hors zonage")

    zoning = models.ForeignKey(
        DoctorsZoning, on_delete=models.CASCADE, related_name="entries", verbose_name=_("zonage")
    )
    zone = models.ForeignKey(
        "territories.Zone", on_delete=models.CASCADE, related_name="+", verbose_name=_("TVS")
    )
    population = models.PositiveIntegerField(_("population"))
    apl = models.FloatField(_("APL"), null=True, blank=True)
    apl_basis = models.CharField(_("source de l'APL"), max_length=120, blank=True)
    automatic = models.CharField(_("statut automatique"), max_length=15, choices=Automatic.choices)
    category = models.CharField(_("catégorie"), max_length=15, choices=Category.choices)
    chosen_by_ars = models.BooleanField(_("choix de l'ARS"), default=False)
    history = HistoricalRecords(verbose_name=_("historique d'un TVS du zonage médecins"))

    class Meta:
        ordering = ["zoning", "zone__code"]
        constraints = [
            models.UniqueConstraint(fields=["zoning", "zone"], name="doctors_zoning_zone_once")
        ]
        verbose_name = _("TVS du zonage médecins")
        verbose_name_plural = _("TVS du zonage médecins")

    def __str__(self) -> str:
        return f"TVS {self.zone.code} {self.zone.name} : {self.get_category_display()}"
