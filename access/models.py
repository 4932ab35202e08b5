"""Region memberships: a user's role in one region.

The region is named by its string label (``"territories.Region"``): ``access`` sits below
``territories`` in the layers (docs/architecture.md) and imports no other app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionMembership(models.Model):
    """A user's role in one region: what ``access.roles`` checks on every view."""

    class Role(models.TextChoices):
        PLANNER = "planner", _("Planificateur")
        DIRECTOR = "director", _("Directeur d'établissement")
        ANALYST = "analyst", _("Analyste")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="region_memberships",
        verbose_name=_("utilisateur"),
    )
    region = models.ForeignKey(
        "territories.Region",
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("région"),
    )
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices)

    class Meta:
        # The table kept its name when the model moved here from ``sros``.
        db_table = "sros_regionmembership"
        ordering = ["region", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "region"], name="one_role_per_user_and_region")
        ]
        verbose_name = _("rôle dans une région")
        verbose_name_plural = _("rôles dans les régions")

    def __str__(self) -> str:
        return f"{self.user} – {self.region} ({self.get_role_display()})"
