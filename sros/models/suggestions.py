"""Suggestion jobs: a location model (MCLP, LSCP, p-median; ``indicators.engine.location``) run
by a Celery worker for one scenario and one pathway level, whose answer is written as the
scenario's new-site changes (``sros.suggestion_jobs``).

The job keeps what was asked (``parameters``), the scenario's ``lock_version`` when it was asked
(the answer is written only if nobody saved the scenario since), its progress, and the
solver's account of the answer (``result``: solver, gap, time, per-site population).
Like runs and export jobs it carries a heartbeat, so that a dead worker's job ends by itself
(``sros.suggestion_jobs.suggestion_jobs_reap`` on celery beat).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.jobs import JobStatus

from .scenarios import Scenario


class SuggestionJob(models.Model):
    Status = JobStatus

    class Model(models.TextChoices):
        MCLP = "mclp", _("Couverture maximale (MCLP) : p nouveaux sites")
        LSCP = "lscp", _("Couverture totale (LSCP) : le moins de sites possible")
        GOAL = (
            "goal",
            _("Objectif de couverture : le moins de sites pour une part de la population"),
        )
        PMEDIAN = "pmedian", _("p-médiane : temps moyen le plus court")

    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, related_name="suggestions", verbose_name=_("scénario")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    model = models.CharField(_("modèle"), max_length=10, choices=Model.choices)
    #: level id, target minutes, p, goal (percent, coverage goal only), candidates ("communes"
    #: or a list of [lon, lat]), language
    parameters = models.JSONField(_("paramètres"), default=dict)
    #: the scenario's lock_version when the suggestion was asked
    lock_version = models.PositiveIntegerField(_("version de verrou"), default=0)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    error = models.TextField(_("erreur"), blank=True, max_length=2000)
    #: the solver's account: solver, gap, bound, seconds, objective, covered, the sites opened
    result = models.JSONField(_("résultat"), default=dict)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True)
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True)
    attempt = models.PositiveSmallIntegerField(_("tentative"), default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suggestion de sites")
        verbose_name_plural = _("suggestions de sites")

    def __str__(self) -> str:
        return f"{self.get_model_display()} – {self.scenario}"

    @property
    def ended(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
