"""Care pathways (filières) and their gradation into ordered levels.

A level (e.g. "maternité de type 2" in périnatalité) is served by the facilities that meet any
of its requirements; a requirement names an authorised activity and modality and/or a facility
kind, and carries the access target in minutes used by the indicators (30 min to an emergency
service, 45 min to a maternity…). Requirements are data: planners edit them.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import CodeForeignKey
from facilities.models import AuthorisedActivity, Facility
from facilities.perinatal import MaternityType


class Pathway(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("filière")
        verbose_name_plural = _("filières")

    def __str__(self) -> str:
        return self.name


class CurrentLevels(models.Manager):
    """The levels in force: not retired."""

    def get_queryset(self):
        return super().get_queryset().filter(active=True)


class Level(models.Model):
    """A graded level of a pathway; rank 1 is proximity, higher ranks are recourse/reference.

    ``population_weight`` names who the level's access figures count: everyone, or the women
    aged 15 to 44 (INSEE RP ``F1529`` + ``F3044``), the denominator of the DREES's perinatal
    indicators; a commune whose ages are not loaded counts its total population, and the run
    says how many did (``indicators.inputs.level_population``). ``second_target_minutes``: a
    second threshold whose share beyond is reported too (30 min next to a 45 min target).
    ``target_source`` says where the targets come from (a text, a study, or the ARS's own
    choice), shown with the level's figures."""

    class Weight(models.TextChoices):
        TOTAL = "total", _("Population totale")
        WOMEN_15_44 = "women_15_44", _("Femmes de 15 à 44 ans")

    pathway = models.ForeignKey(
        Pathway, on_delete=models.CASCADE, related_name="levels", verbose_name=_("filière")
    )
    rank = models.PositiveSmallIntegerField(_("rang"))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("nom"), max_length=150)
    population_weight = models.CharField(
        _("population de référence"), max_length=20, choices=Weight.choices, default=Weight.TOTAL
    )
    second_target_minutes = models.PositiveSmallIntegerField(
        _("second seuil (minutes)"),
        null=True,
        blank=True,
        help_text=_("La part au-delà de ce seuil est aussi calculée (ex. 30 min)."),
    )
    target_source = models.TextField(
        _("source des cibles"),
        blank=True,
        help_text=_("Texte, étude ou choix de l'ARS d'où viennent la cible et le second seuil."),
    )
    #: A retired level (``active`` False, with the day it was retired) is kept, never deleted:
    #: past runs name it and keep their figures; new runs do not compute it and the lists of
    #: current levels leave it out (``Level.current``).
    active = models.BooleanField(_("en vigueur"), default=True)
    retired_on = models.DateField(_("retiré le"), null=True, blank=True)
    retirement_reason = models.TextField(_("motif du retrait"), blank=True)

    objects = models.Manager()
    current = CurrentLevels()

    class Meta:
        ordering = ["pathway", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "rank"], name="level_unique_rank"),
            models.UniqueConstraint(fields=["pathway", "code"], name="level_unique_code"),
            models.CheckConstraint(
                condition=Q(active=True, retired_on__isnull=True)
                | Q(active=False, retired_on__isnull=False),
                name="level_retired_has_end_date",
            ),
        ]
        verbose_name = _("niveau")
        verbose_name_plural = _("niveaux")

    def __str__(self) -> str:
        return f"{self.pathway} – {self.rank}. {self.name}"


class LevelRequirement(models.Model):
    """One way for a facility to qualify for a level: every field given must hold.

    ``activity`` is a key of the catalogue by code (its column holds ``urgences``…);
    ``modality`` and ``mention`` are codes of that activity in the catalogue. A maternity level
    names the ``maternity_type`` derived per site from its perinatal units
    (``facilities.perinatal``), never the units themselves."""

    level = models.ForeignKey(
        Level, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("niveau")
    )
    activity = CodeForeignKey(
        AuthorisedActivity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="activity",
        related_name="+",
        verbose_name=_("activité autorisée"),
    )
    modality = models.CharField(_("modalité"), max_length=40, blank=True)
    mention = models.CharField(_("mention"), max_length=40, blank=True)
    maternity_type = models.CharField(
        _("type de maternité"), max_length=2, choices=MaternityType.choices, blank=True
    )
    facility_kind = models.CharField(
        _("type d'établissement"), max_length=20, choices=Facility.Kind.choices, blank=True
    )
    access_target_minutes = models.PositiveSmallIntegerField(_("cible d'accès (minutes)"))

    class Meta:
        ordering = ["level", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(activity__isnull=True, facility_kind=""),
                name="requirement_names_activity_or_kind",
            ),
            models.CheckConstraint(
                condition=Q(modality="", mention="", maternity_type="") | Q(activity__isnull=False),
                name="requirement_modality_needs_activity",
            ),
            models.CheckConstraint(
                condition=Q(access_target_minutes__gt=0), name="requirement_target_positive"
            ),
        ]
        verbose_name = _("critère de niveau")
        verbose_name_plural = _("critères de niveau")

    def __str__(self) -> str:
        maternity = self.get_maternity_type_display() if self.maternity_type else ""
        parts = [self.activity_id or "", self.modality, self.mention, maternity, self.facility_kind]
        return " / ".join(p for p in parts if p) + f" ≤ {self.access_target_minutes} min"

    @property
    def activity_code(self) -> str:
        """The activity's code, "" for a requirement naming a facility kind only."""
        return self.activity_id or ""
