"""The one catalogue of what is subject to authorisation, as the law writes it: the activities
of care of article R6122-25 of the Code de la santé publique, the heavy equipment of article
R6122-26, the modalities and mentions their décrets define, each with the text it comes from
and the period it is valid for (docs/authorisation-catalogue.md).

Codes are what authorisations, pathway levels, objectives and importers store (``urgences``,
``su``, ``smur_pediatrique``…). ``Authorisation.activity``, ``Authorisation.equipment`` and
``LevelRequirement.activity`` are foreign keys *by code* (``core.fields.CodeForeignKey``), so
their columns keep the codes. A modality or mention is named by its code within its activity
(``pediatrie`` of chirurgie and of SMR); the models that name one keep the code, checked
against this catalogue by their importers and services (``activities.CatalogueIndex``). Rows are
ended (``valid_to``), never edited, when the law changes: the TEP and gamma-cameras stopped
being heavy equipment on 2023-06-01, the maternity types were never authorisation modalities.

The table of activities kept the name ``sros_authorisedactivity`` it had when the schema (app
``sros``) held the catalogue, so that objectives and volets keep their rows and ids.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class LegalText(models.Model):
    """A text (décret, article of the Code de la santé publique) that defines part of the
    catalogue, as published at the Journal officiel and consolidated on Légifrance."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("intitulé"), max_length=300)
    signed_on = models.DateField(_("date du texte"), null=True, blank=True)
    in_force_on = models.DateField(_("entrée en vigueur"), null=True, blank=True)
    url = models.URLField(_("adresse Légifrance"), max_length=300, blank=True)

    class Meta:
        ordering = ["signed_on", "code"]
        verbose_name = _("texte de référence")
        verbose_name_plural = _("textes de référence")

    def __str__(self) -> str:
        return self.title


def _dates_in_order(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(valid_to__isnull=True)
        | Q(valid_from__isnull=True)
        | Q(valid_to__gte=F("valid_from")),
        name=name,
    )


class Dated(models.Model):
    """What every catalogue row carries: the text it comes from and its validity."""

    legal_text = models.ForeignKey(
        LegalText,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("texte de référence"),
    )
    legal_reference = models.CharField(_("référence juridique"), max_length=255, blank=True)
    valid_from = models.DateField(_("en vigueur depuis"), null=True, blank=True)
    valid_to = models.DateField(_("en vigueur jusqu'au"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        abstract = True

    def valid_on(self, day: dt.date) -> bool:
        """Whether the row is in force on ``day``."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class AuthorisedActivity(Dated):
    """An activity of care (R6122-25) or a heavy equipment (R6122-26) subject to authorisation.

    ``counted_by_registry``: the authorisations the product imports carry it, so compliance
    counts them; ``proxy_kinds`` names the facility kinds counted instead when a region's data
    carries no authorisation at all (the real GISCO hospitals): an approximation planners edit.
    """

    class Kind(models.TextChoices):
        ACTIVITY = "activity", _("Activité de soins")
        EQUIPMENT = "equipment", _("Équipement matériel lourd")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("libellé"), max_length=255)
    kind = models.CharField(_("nature"), max_length=10, choices=Kind.choices)
    modality_required = models.BooleanField(
        _("modalité obligatoire"),
        default=False,
        help_text=_("L'autorisation précise toujours la modalité (ex. médecine d'urgence)."),
    )
    counted_by_registry = models.BooleanField(
        _("compté d'après les autorisations importées"),
        default=False,
        help_text=_("Les autorisations importées portent cette activité ou cet équipement."),
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

    class Meta:
        db_table = "sros_authorisedactivity"
        ordering = ["kind", "order", "code"]
        constraints = [_dates_in_order("authorised_activity_dates_in_order")]
        verbose_name = _("activité ou équipement soumis à autorisation")
        verbose_name_plural = _("activités et équipements soumis à autorisation")

    def __str__(self) -> str:
        return self.label


class Modality(Dated):
    """A modality of an activity as its décret d'implantation lists them (médecine d'urgence:
    régulation SAMU, SMUR, structure des urgences, antenne de médecine d'urgence…); for
    perinatal care, the units of the 1998 décrets (obstétrique, néonatologie…)."""

    activity = models.ForeignKey(
        AuthorisedActivity,
        on_delete=models.PROTECT,
        related_name="modalities",
        verbose_name=_("activité"),
    )
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("libellé"), max_length=255)

    class Meta:
        ordering = ["activity__order", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "code"], name="modality_unique_code"),
            _dates_in_order("modality_dates_in_order"),
        ]
        verbose_name = _("modalité")
        verbose_name_plural = _("modalités")

    def __str__(self) -> str:
        return self.label


class Mention(Dated):
    """A mention of an activity or of one of its modalities (SMUR « pédiatrique », soins
    critiques « adultes »); ``modality`` empty: a mention of the activity itself."""

    activity = models.ForeignKey(
        AuthorisedActivity,
        on_delete=models.PROTECT,
        related_name="mentions",
        verbose_name=_("activité"),
    )
    modality = models.ForeignKey(
        Modality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentions",
        verbose_name=_("modalité"),
    )
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("libellé"), max_length=255)

    class Meta:
        ordering = ["activity__order", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "code"], name="mention_unique_code"),
            _dates_in_order("mention_dates_in_order"),
        ]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")

    def __str__(self) -> str:
        return self.label
