"""The record of every file imported (the Imports page, and the runs' provenance).

One ``ImportRecord`` per call of ``opendata.services.import_file``, done or failed: what the
file is (kind, name, SHA-256, the date and edition it states about itself), who imported it
and when, its counts, its rejected lines, its rows per département (from which a planner's
region counts are derived) and what it changed against the data the previous import left.

``ImportUpload``: a file uploaded on the Imports page, waiting for (or imported by) a worker.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: How many rejected lines, messages and keys per change list a record keeps (the totals are
#: always kept): a file of 100,000 bad lines must not make a 100,000-entry JSON.
KEPT = 200


class ImportRecord(models.Model):
    class Status(models.TextChoices):
        DONE = "done", _("Réussi")
        FAILED = "failed", _("Échoué")

    kind = models.CharField(_("type de fichier"), max_length=40)
    file_name = models.CharField(_("fichier"), max_length=255)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    size = models.BigIntegerField(_("taille (octets)"), null=True, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    source_date = models.DateField(_("date de la source"), null=True, blank=True)
    source_version = models.CharField(_("édition de la source"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("importé par"),
    )
    started_at = models.DateTimeField(_("commencé le"))
    finished_at = models.DateTimeField(_("fini le"))
    status = models.CharField(_("état"), max_length=10, choices=Status.choices)
    created = models.PositiveIntegerField(_("créés"), default=0)
    updated = models.PositiveIntegerField(_("modifiés"), default=0)
    unchanged = models.PositiveIntegerField(_("inchangés"), default=0)
    rejected = models.PositiveIntegerField(_("rejetés"), default=0)
    ended = models.PositiveIntegerField(_("clos"), default=0)
    #: [[where, reason], …], the first ``KEPT``.
    rejected_lines = models.JSONField(_("lignes rejetées"), default=list, blank=True)
    messages = models.JSONField(_("notes"), default=list, blank=True)
    #: {département code: rows of the file}.
    rows_by_department = models.JSONField(_("lignes par département"), default=dict, blank=True)
    #: {"added"|"changed"|"ended": {"total": n, "keys": [first ``KEPT`` natural keys]}}.
    changes = models.JSONField(_("changements"), default=dict, blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import précédent du même type"),
    )
    error_where = models.CharField(_("erreur : où"), max_length=200, blank=True)
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["kind", "status", "-finished_at"])]
        verbose_name = _("import de fichier")
        verbose_name_plural = _("imports de fichiers")

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.file_name} ({self.get_status_display()})"

    def rows_in(self, department_codes) -> int:
        """Rows of the file in these départements."""
        return sum(self.rows_by_department.get(code, 0) for code in department_codes)


class ImportUpload(models.Model):
    """A file uploaded on the Imports page (issue 12 §2), imported by a Celery worker
    (``opendata.uploads``): the file is kept in the database until its import ends, like an
    export job's file (``dashboard.ExportJob.content``), so web and worker need no shared
    disk. The import's result is the ``record`` it writes (counts, rejected lines), or the
    upload's ``error`` when the file was refused before the importer (rows outside the
    planner's region) or by it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Réussi")
        FAILED = "failed", _("Échoué")

    #: A random id: an upload's URL is not guessable from another's.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="import_uploads",
        verbose_name=_("téléversé par"),
    )
    #: The region every row must be in (a planner's upload); null: no check (an administrator).
    region = models.ForeignKey(
        "territories.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="import_uploads",
        verbose_name=_("région"),
    )
    kind = models.CharField(_("type de fichier"), max_length=40)
    file_name = models.CharField(_("fichier"), max_length=255)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    #: The importer's keyword arguments (the command's options), and the page's language.
    options = models.JSONField(_("options"), default=dict, blank=True)
    language = models.CharField(_("langue"), max_length=10, blank=True)
    #: The file itself; emptied once the import has ended (the record keeps its SHA-256).
    content = models.BinaryField(null=True, editable=False)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    #: What the worker is doing, for the progress bar ("region", "import").
    stage = models.CharField(_("étape"), max_length=20, blank=True)
    error_where = models.CharField(_("erreur : où"), max_length=200, blank=True)
    error = models.TextField(_("erreur"), max_length=20_000, blank=True)
    #: The rows outside the planner's region, per place: [{"place", "lines", "count", "text"}].
    outside = models.JSONField(_("lignes hors de la région"), default=list, blank=True)
    record = models.ForeignKey(
        ImportRecord,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("fini le"), null=True, blank=True)
    # Beaten by the worker importing the file (``core.workers.heartbeat``): a running upload
    # whose heartbeat is too old lost its worker; the reaper re-enqueues it once, then fails it.
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    attempt = models.PositiveSmallIntegerField(_("tentative"), default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]
        verbose_name = _("fichier téléversé")
        verbose_name_plural = _("fichiers téléversés")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def ended(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
