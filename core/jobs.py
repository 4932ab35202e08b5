"""What background jobs share: the states of a job a worker takes (indicator runs, export jobs,
suggestions), one enumeration so that their pages, filters and reapers speak of the same four."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("Échoué")
