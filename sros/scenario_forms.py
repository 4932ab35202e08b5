"""Forms of the scenario pages: the scenario itself and its changes as a small formset. The
rules live in ``sros.scenarios``; ``attach_change_errors`` shows them next to each field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.form_fields import DecimalTextField
from facilities.activities import activity_choices, modality_choices
from facilities.models import Facility

from . import scenarios, text_limits
from .models import ScenarioChange, SchemaVersion


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=text_limits.COMMENT,
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _blank(choices) -> list[tuple[str, Any]]:
    return [("", "—"), *[(value, label) for value, label in choices if value != ""]]


class ChangeForm(forms.Form):
    """One change; a row left without a kind is ignored (the formset's spare rows)."""

    kind = forms.ChoiceField(
        label=_("Changement"), choices=_blank(ScenarioChange.Kind.choices), required=False
    )
    finess = forms.CharField(
        label=_("N° FINESS"),
        required=False,
        max_length=9,
        help_text=_("Établissement existant (fermer, ajouter ou retirer une autorisation)."),
        # Searchable by name or commune in the browser's list (the page's datalist).
        widget=forms.TextInput(attrs={"list": "facility-options", "autocomplete": "off"}),
    )
    label = forms.CharField(label=_("Nom du nouveau site"), required=False, max_length=200)
    facility_kind = forms.ChoiceField(
        label=_("Type du nouveau site"), choices=_blank(Facility.Kind.choices), required=False
    )
    # Typed with a comma or a dot (a French user writes 6,95): core.form_fields.
    lon = DecimalTextField(label=_("Longitude"), required=False)
    lat = DecimalTextField(label=_("Latitude"), required=False)
    # Callables: the catalogue is data, read when a form is built.
    activity = forms.ChoiceField(
        label=_("Activité"), choices=lambda: _blank(activity_choices()), required=False
    )
    modality = forms.ChoiceField(
        label=_("Modalité"),
        choices=lambda: [("", _("(sans modalité)")), *modality_choices()],
        required=False,
    )

    @property
    def is_blank(self) -> bool:
        return not (getattr(self, "cleaned_data", None) or {}).get("kind")


ChangeFormSet = forms.formset_factory(ChangeForm, extra=2)


def change_formset(data=None, *, changes=(), prefix: str = "changes") -> forms.BaseFormSet:
    initial = [scenarios.change_values(change) for change in changes]
    return ChangeFormSet(data, initial=initial or None, prefix=prefix)


def attach_change_errors(version: SchemaVersion, formset) -> list[dict[str, Any]] | None:
    """The changes of a bound formset, or None after putting each broken rule on its field."""
    if not formset.is_valid():
        return None
    rows = [form for form in formset.forms if not form.is_blank]
    changes = [dict(form.cleaned_data) for form in rows]
    valid = True
    for form, errors in zip(rows, scenarios.changes_errors(version, changes), strict=True):
        for name, messages in errors.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
            valid = False
    return changes if valid else None
