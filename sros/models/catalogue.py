"""What the schema is written about, kept as data because the law changes it: activities and heavy
equipment subject to authorisation, and the themes of volets.

The codes of ``AuthorisedActivity`` that the facility registry knows (``urgences``,
``obstetrique``…) are repeated in ``facility_activity`` so that compliance can count the
current authorisations of ``facilities.Authorisation``; ``proxy_kinds`` names the facility kinds
counted instead when a region's data carries no authorisation at all (the real GISCO hospitals).
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from facilities.activities import Activity


class AuthorisedActivity(models.Model):
    class Kind(models.TextChoices):
        ACTIVITY = "activity", _("Activité de soins")
        EQUIPMENT = "equipment", _("Équipement matériel lourd")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("libellé"), max_length=255)
    kind = models.CharField(_("nature"), max_length=10, choices=Kind.choices)
    legal_reference = models.CharField(_("référence juridique"), max_length=255, blank=True)
    valid_from = models.DateField(_("en vigueur depuis"), null=True, blank=True)
    valid_to = models.DateField(_("en vigueur jusqu'au"), null=True, blank=True)
    facility_activity = models.CharField(
        _("activité du registre des établissements"),
        max_length=30,
        choices=Activity.choices,
        blank=True,
        help_text=_("Code des autorisations importées, pour compter les implantations."),
    )
    proxy_kinds = models.JSONField(
        _("types d'établissement comptés à défaut d'autorisations"),
        default=list,
        blank=True,
        help_text=_(
            'Liste de types (ex. ["psychiatrie"]) comptés quand les données de la région '
            "ne portent aucune autorisation."
        ),
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["kind", "order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="authorised_activity_dates_in_order",
            ),
        ]
        verbose_name = _("activité ou équipement soumis à autorisation")
        verbose_name_plural = _("activités et équipements soumis à autorisation")

    def __str__(self) -> str:
        return self.label


class VoletTheme(models.Model):
    """A theme a volet may be written on; ``phase`` 1 are the themes the pilot programme took
    first (santé mentale, périnatalité, urgences), 2 those of its second stage."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("titre"), max_length=150)
    phase = models.PositiveSmallIntegerField(_("phase"), default=1)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    pathway = models.ForeignKey(
        "pathways.Pathway",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("filière"),
    )
    activities = models.ManyToManyField(
        AuthorisedActivity, blank=True, related_name="themes", verbose_name=_("activités")
    )

    class Meta:
        ordering = ["phase", "order", "code"]
        verbose_name = _("thème de volet")
        verbose_name_plural = _("thèmes de volet")

    def __str__(self) -> str:
        return self.title
