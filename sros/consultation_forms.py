"""Forms of the consultation pages: a comment (or reply) with the organisation it speaks for,
and the list's filter. The write is ``sros.consultation_services``'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from facilities.models import LegalEntity

from . import text_limits
from .consultation_selectors import ALL, OPEN, RESOLVED


class CommentForm(forms.Form):
    """The text, and exactly one of a FINESS EJ number (a legal entity of the loaded registry)
    and an organisation's name."""

    organisation_finess = forms.CharField(
        label=_("N° FINESS de l'établissement ou de son entité juridique"),
        max_length=9,
        required=False,
        help_text=_(
            "Pour un établissement : son n° FINESS (9 caractères) ; le commentaire est "
            "enregistré au nom de son entité juridique."
        ),
    )
    organisation_name = forms.CharField(
        label=_("ou nom de l'organisation"),
        max_length=text_limits.ORGANISATION,
        required=False,
        help_text=_("Pour les autres : URPS, CRSA, conseil départemental, commune…"),
    )
    text = forms.CharField(
        label=_("Commentaire"),
        max_length=text_limits.COMMENT,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
    )

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = None
        if prefix_id:  # several reply forms on one page: ids stay unique
            self.auto_id = f"id_{prefix_id}_%s"

    def clean_organisation_finess(self) -> str:
        """A legal entity's number (FINESS EJ) or one of its sites' (FINESS ET), the number a
        director knows best; read as an EJ first, then as a site, whose EJ is kept."""
        number = self.cleaned_data["organisation_finess"].strip().upper()
        if number:
            self.organisation = (
                LegalEntity.objects.filter(finess_ej=number).first()
                or LegalEntity.objects.filter(facilities__finess_et=number).first()
            )
            if self.organisation is None:
                raise forms.ValidationError(
                    _(
                        "Aucun établissement ni entité juridique n° %(n)s dans le répertoire "
                        "FINESS chargé."
                    )
                    % {"n": number}
                )
        return number

    def clean(self):
        cleaned = super().clean()
        name = (cleaned.get("organisation_name") or "").strip()
        number = cleaned.get("organisation_finess")
        if "organisation_finess" in self.errors:
            return cleaned
        if number and name:
            self.add_error(
                "organisation_name",
                _("Indiquez soit un n° FINESS, soit le nom d'une organisation, pas les deux."),
            )
        elif not number and not name:
            self.add_error(
                "organisation_name",
                _("Indiquez l'organisation au nom de laquelle vous écrivez."),
            )
        return cleaned

    def values(self) -> dict:
        return {
            "text": self.cleaned_data["text"],
            "organisation": self.organisation,
            "organisation_name": self.cleaned_data.get("organisation_name", ""),
        }


class StatusFilter(forms.Form):
    """Which remarks the list shows; anything else than the choices shows the open ones."""

    etat = forms.ChoiceField(
        label=_("Commentaires"),
        choices=[(OPEN, _("ouverts")), (RESOLVED, _("résolus")), (ALL, _("tous"))],
        required=False,
    )

    def status(self) -> str:
        return (self.cleaned_data.get("etat") if self.is_valid() else None) or OPEN
