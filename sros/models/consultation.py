"""The consultation of a schema version: remarks on the version, one of its volets or one of
its objectives, their replies, and whether the planners consider them resolved.

The PRS and its parts, the SRS among them, are adopted by the ARS's director general after the
opinion of the region's actors (code de la santé publique, art. R. 1434-1, as amended by the
décret of 3 June 2021: the CRSA, the conseils départementaux de la citoyenneté et de
l'autonomie, the préfet de région, the local authorities; three months for a schema at its
term, two for a partial revision). Establishments and URPS take part through the CRSA and
answer too. Each remark therefore says for whom it is made: a legal entity of the FINESS
registry (an establishment's EJ) or, for the others (URPS, CRSA, a collectivité), their name as
typed. docs/consultation.md has the rules; ``sros.consultation_services`` the writes.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import text_limits
from .schema import Objective, SchemaVersion, Volet


class Comment(models.Model):
    """A remark made during consultation, or a reply to one (``parent``).

    The target is the version itself, or one volet, or one objective of that version (never
    both: a database check); that the volet or objective belongs to ``version`` is checked by
    ``sros.consultation_services``. A reply copies its parent's version and target, so that a
    version's remarks are read by one index. Only a remark (not a reply) is resolved.
    """

    version = models.ForeignKey(
        SchemaVersion, on_delete=models.CASCADE, related_name="comments", verbose_name=_("version")
    )
    volet = models.ForeignKey(
        Volet,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("volet"),
    )
    objective = models.ForeignKey(
        Objective,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("objectif"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("en réponse à"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    # PROTECT: a legal entity that has spoken in a consultation stays in the registry (the
    # legal entities import updates entities and never deletes one; groups protect them too).
    organisation = models.ForeignKey(
        "facilities.LegalEntity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation (FINESS EJ)"),
    )
    organisation_name = models.CharField(
        _("organisation"), max_length=text_limits.ORGANISATION, blank=True
    )
    text = models.TextField(_("commentaire"), max_length=text_limits.COMMENT)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("résolu le"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("résolu par"),
    )
    # Who resolved and who reopened, and when: the row keeps only the latest resolution.
    history = HistoricalRecords(verbose_name=_("historique de commentaire"))

    class Meta:
        ordering = ["version", "created_at", "id"]
        indexes = [models.Index(fields=["version", "resolved_at"], name="comment_version_open")]
        constraints = [
            models.CheckConstraint(
                condition=Q(volet__isnull=True) | Q(objective__isnull=True),
                name="comment_one_target",
            ),
            models.CheckConstraint(
                condition=(Q(organisation__isnull=False) & Q(organisation_name=""))
                | (Q(organisation__isnull=True) & ~Q(organisation_name="")),
                name="comment_one_organisation",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(resolved_at__isnull=True),
                name="comment_reply_not_resolved",
            ),
            models.CheckConstraint(
                condition=Q(resolved_by__isnull=True) | Q(resolved_at__isnull=False),
                name="comment_resolved_by_has_date",
            ),
        ]
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")

    def __str__(self) -> str:
        return f"{self.version}: {self.text[:40]}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def target(self) -> Volet | Objective | SchemaVersion:
        return self.objective or self.volet or self.version

    @property
    def organisation_label(self) -> str:
        if self.organisation_id:
            return self.organisation.long_name or self.organisation.name
        return self.organisation_name
