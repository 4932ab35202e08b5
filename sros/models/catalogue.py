"""The themes volets are written on. The activities and heavy equipment subject to
authorisation are the one catalogue of ``facilities.catalogue`` (re-exported here, where the
schema's code has always found them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from facilities.models import AuthorisedActivity

__all__ = ["AuthorisedActivity", "VoletTheme"]


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
