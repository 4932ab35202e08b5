"""Export jobs: a long export (the whole region's values as Excel, a PDF report) is built by a
Celery worker while the page shows its progress, then downloaded by the user who asked for it.

The file is kept in the database (``content``) rather than on disk: web and worker processes
may run on different machines, and the database is the one store both already share. Jobs are
short-lived (``SROS_EXPORT_RETENTION_SECONDS``) and purged when new ones are created.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.jobs import JobStatus


class ExportJob(models.Model):
    Status = JobStatus

    class Target(models.TextChoices):
        INDICATORS = "indicators", _("Valeurs des indicateurs")
        FACILITIES = "facilities", _("Établissements")
        REPORT = "report", _("Diagnostic territorial (PDF)")
        SCHEMA = "schema", _("Schéma régional (PDF)")

    #: A random id: the job's URLs are not guessable from another job's.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    region = models.ForeignKey(
        "territories.Region", on_delete=models.CASCADE, related_name="export_jobs"
    )
    target = models.CharField(_("export"), max_length=12, choices=Target.choices)
    extension = models.CharField(_("format"), max_length=8)
    #: The export URL's query string as lists (``QueryDict.lists()``) and, for a report, its
    #: unit (``kind``, ``code``, ``zoning_id``), for a schema document its ``version`` id:
    #: what the synchronous URL would have read.
    parameters = models.JSONField(_("paramètres"), default=dict)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    filename = models.CharField(_("nom du fichier"), max_length=200, blank=True)
    content = models.BinaryField(null=True, editable=False)
    size = models.PositiveBigIntegerField(_("taille (octets)"), null=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True)
    # Beaten by the worker building the job (dashboard.exports.reaping): a running job whose
    # heartbeat is too old lost its worker and is re-enqueued once, then failed.
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True)
    attempt = models.PositiveSmallIntegerField(_("tentative"), default=1)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.filename or f"{self.get_target_display()} ({self.extension})"

    @property
    def ended(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
