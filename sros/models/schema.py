"""The regional schema (SROS/SRS): one ``Schema`` per region, written as successive versions.

A version moves draft → consultation → adopted → archived (``sros.workflow`` holds the rules and
who may do what; the ``@transition`` methods below only change the state). Consultation may go
back to draft, so that remarks made during consultation can be taken into account; a draft
that will not be pursued may be archived directly. Only adopted and archived versions are
read-only; a new draft starts as a copy of the adopted version.

Editable objects carry ``lock_version`` (optimistic locking: a save naming a stale
``lock_version`` is refused by the services) and a ``history`` (django-simple-history).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from .. import text_limits
from .catalogue import AuthorisedActivity, VoletTheme


class Schema(models.Model):
    region = models.OneToOneField(
        "territories.Region",
        on_delete=models.PROTECT,
        related_name="schema",
        verbose_name=_("région"),
    )
    name = models.CharField(_("nom"), max_length=200)

    class Meta:
        ordering = ["region__code"]
        verbose_name = _("schéma régional")
        verbose_name_plural = _("schémas régionaux")

    def __str__(self) -> str:
        return self.name


class SchemaVersion(ConcurrentTransitionMixin, models.Model):
    """``ConcurrentTransitionMixin`` makes a save fail if the state in the database changed
    since the row was loaded, so two concurrent transitions cannot both win."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        CONSULTATION = "consultation", _("En consultation")
        ADOPTED = "adopted", _("Adopté")
        ARCHIVED = "archived", _("Archivé")

    schema = models.ForeignKey(
        Schema, on_delete=models.CASCADE, related_name="versions", verbose_name=_("schéma")
    )
    number = models.PositiveIntegerField(_("numéro"))
    label = models.CharField(_("intitulé"), max_length=200, blank=True)
    # protected: the state changes only through the transitions, never by assignment.
    state = FSMField(
        _("état"), max_length=20, choices=State.choices, default=State.DRAFT, protected=True
    )
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("copie de"),
    )
    default_zoning = models.ForeignKey(
        "territories.Zoning",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("zonage par défaut"),
        help_text=_("Zonage des objectifs des activités sans zonage propre."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créée par"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    adopted_at = models.DateTimeField(_("adoptée le"), null=True, blank=True)
    lock_version = models.PositiveIntegerField(_("version de verrou"), default=0)
    history = HistoricalRecords(verbose_name=_("historique de version du schéma"))

    class Meta:
        ordering = ["schema", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["schema", "number"], name="schema_version_unique_number"
            ),
            # One adopted version per schema, hence per region: a partial unique index.
            models.UniqueConstraint(
                fields=["schema"],
                condition=Q(state="adopted"),
                name="one_adopted_version_per_schema",
            ),
        ]
        verbose_name = _("version du schéma")
        verbose_name_plural = _("versions du schéma")

    def __str__(self) -> str:
        return f"{self.schema} – v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.state == self.State.DRAFT

    @transition(field=state, source=State.DRAFT, target=State.CONSULTATION)
    def submit(self) -> None:
        """Open the draft to consultation."""

    @transition(field=state, source=State.CONSULTATION, target=State.DRAFT)
    def return_to_draft(self) -> None:
        """Take the version back to draft to revise it after consultation."""

    @transition(field=state, source=State.CONSULTATION, target=State.ADOPTED)
    def adopt(self) -> None:
        """Adopt the version (the workflow archives the previously adopted one first)."""

    @transition(field=state, source=[State.ADOPTED, State.DRAFT], target=State.ARCHIVED)
    def archive(self) -> None:
        """Archive a superseded adopted version, or abandon a draft."""


class VersionTransition(models.Model):
    """The log of the workflow: who moved a version, from which state to which, when, and why."""

    version = models.ForeignKey(
        SchemaVersion,
        on_delete=models.CASCADE,
        related_name="transitions",
        verbose_name=_("version"),
    )
    name = models.CharField(_("transition"), max_length=30)
    source = models.CharField(_("état de départ"), max_length=20)
    target = models.CharField(_("état d'arrivée"), max_length=20)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("par"),
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)
    comment = models.TextField(_("commentaire"), blank=True, max_length=text_limits.COMMENT)

    class Meta:
        ordering = ["version", "at", "id"]
        verbose_name = _("transition de version")
        verbose_name_plural = _("transitions de version")

    def __str__(self) -> str:
        return f"{self.version}: {self.source} → {self.target}"


class VersionZoning(models.Model):
    """The zoning a version uses for the objectives of one activity (else its default zoning)."""

    version = models.ForeignKey(
        SchemaVersion, on_delete=models.CASCADE, related_name="zonings", verbose_name=_("version")
    )
    activity = models.ForeignKey(
        AuthorisedActivity, on_delete=models.PROTECT, related_name="+", verbose_name=_("activité")
    )
    zoning = models.ForeignKey(
        "territories.Zoning", on_delete=models.PROTECT, related_name="+", verbose_name=_("zonage")
    )

    class Meta:
        ordering = ["version", "activity"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "activity"], name="version_zoning_one_per_activity"
            )
        ]
        verbose_name = _("zonage utilisé")
        verbose_name_plural = _("zonages utilisés")

    def __str__(self) -> str:
        return f"{self.version} – {self.activity}: {self.zoning}"


class Volet(models.Model):
    """A thematic section of a version; ``narrative`` is Markdown, rendered sanitised."""

    version = models.ForeignKey(
        SchemaVersion, on_delete=models.CASCADE, related_name="volets", verbose_name=_("version")
    )
    theme = models.ForeignKey(
        VoletTheme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("thème"),
    )
    title = models.CharField(_("titre"), max_length=200)
    narrative = models.TextField(
        _("texte (Markdown)"), blank=True, max_length=text_limits.NARRATIVE
    )
    pathway = models.ForeignKey(
        "pathways.Pathway",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("filière"),
    )
    activities = models.ManyToManyField(
        AuthorisedActivity, blank=True, related_name="+", verbose_name=_("activités")
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    lock_version = models.PositiveIntegerField(_("version de verrou"), default=0)
    history = HistoricalRecords(verbose_name=_("historique de volet"))

    class Meta:
        ordering = ["version", "order", "title"]
        verbose_name = _("volet")
        verbose_name_plural = _("volets")

    def __str__(self) -> str:
        return self.title


class Objective(models.Model):
    """An OQOS: the minimum and maximum number of implantations of an activity (or heavy
    equipment), with its modality and mention if any, in a zone of the zoning the version uses
    for that activity. An implantation is a site, as the law counts them: an IRM site with three
    machines is one implantation (``sros.compliance``)."""

    version = models.ForeignKey(
        SchemaVersion,
        on_delete=models.CASCADE,
        related_name="objectives",
        verbose_name=_("version"),
    )
    zone = models.ForeignKey(
        "territories.Zone", on_delete=models.PROTECT, related_name="+", verbose_name=_("zone")
    )
    activity = models.ForeignKey(
        AuthorisedActivity, on_delete=models.PROTECT, related_name="+", verbose_name=_("activité")
    )
    # Codes of the activity's modalities and mentions in the catalogue (``facilities``),
    # checked by ``sros.services.objective_errors``; empty: every modality (mention).
    modality = models.CharField(_("modalité"), max_length=40, blank=True)
    mention = models.CharField(_("mention"), max_length=40, blank=True)
    minimum = models.PositiveIntegerField(_("minimum"), default=0)
    maximum = models.PositiveIntegerField(_("maximum"), null=True, blank=True)
    max_access_minutes = models.PositiveSmallIntegerField(
        _("temps d'accès maximal (minutes)"), null=True, blank=True
    )
    justification = models.TextField(_("justification"), blank=True, max_length=text_limits.COMMENT)
    lock_version = models.PositiveIntegerField(_("version de verrou"), default=0)
    history = HistoricalRecords(verbose_name=_("historique d'objectif"))

    class Meta:
        ordering = [
            "version", "activity__order", "activity__code", "modality", "mention", "zone__code",
        ]  # fmt: skip
        constraints = [
            models.UniqueConstraint(
                fields=["version", "zone", "activity", "modality", "mention"],
                name="objective_unique_zone_activity_modality_mention",
            ),
            models.CheckConstraint(
                condition=Q(maximum__isnull=True) | Q(maximum__gte=F("minimum")),
                name="objective_minimum_not_above_maximum",
            ),
        ]
        verbose_name = _("objectif quantifié (OQOS)")
        verbose_name_plural = _("objectifs quantifiés (OQOS)")

    def __str__(self) -> str:
        detail = " ".join(code for code in (self.modality, self.mention) if code)
        return f"{self.activity}{' ' + detail if detail else ''} – {self.zone}"
