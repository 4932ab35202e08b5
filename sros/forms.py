"""Forms of the schema pages. They validate input and show the service's rules inline; the
write itself is the service's (``sros.services``)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from facilities.activities import mention_choices, modality_choices
from indicators.models import IndicatorValue
from territories.models import Zone

from . import project_services, services, text_limits
from .models import (
    AuthorisedActivity,
    Milestone,
    Objective,
    PilotProject,
    SchemaVersion,
    Volet,
)
from .schema_selectors import InitiativeFilter, current_activities, zones_for


class ObjectiveForm(forms.ModelForm):
    """Edit (or create) an objective of ``version``; every field is disabled, and any submit
    refused, once the version is no longer a draft."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Codes of the catalogue (data: read when a form is built), checked against the activity
    # by ``sros.services.objective_errors``.
    modality = forms.ChoiceField(
        label=_("Modalité"),
        choices=lambda: [("", _("(sans modalité)")), *modality_choices()],
        required=False,
    )
    mention = forms.ChoiceField(
        label=_("Mention"),
        choices=lambda: [("", _("(sans mention)")), *mention_choices()],
        required=False,
    )

    class Meta:
        model = Objective
        fields = [
            "activity",
            "modality",
            "mention",
            "zone",
            "minimum",
            "maximum",
            "max_access_minutes",
            "justification",
        ]
        widgets = {"justification": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, version: SchemaVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        self.fields["zone"].queryset = zones_for(version).order_by("zoning__name", "code")
        self.fields["zone"].label_from_instance = lambda z: f"{z.zoning.name} – {z}"
        self.fields["activity"].queryset = current_activities()
        # Negative numbers reach clean() and get a clear message instead of browser-side limits.
        for name in ("minimum", "maximum", "max_access_minutes"):
            self.fields[name].widget.attrs.pop("min", None)
            self.fields[name].validators = []
        if self.instance.pk and "lock_version" not in self.initial:
            self.initial["lock_version"] = self.instance.lock_version
        if not version.is_editable:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        cleaned = super().clean()
        if not self.version.is_editable:
            raise forms.ValidationError(
                _("Cette version est en lecture seule (%(state)s).")
                % {"state": self.version.get_state_display()}
            )
        for name, messages in services.objective_errors(self.version, cleaned).items():
            for message in messages:
                if name in self.fields and name not in self.errors:
                    self.add_error(name, message)
        return cleaned

    def _post_clean(self):
        # The model's own full_clean would repeat the service's rules with less clear messages.
        pass

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class TransitionForm(forms.Form):
    """A workflow transition: its comment; ``expected``, the ``workflow.TransitionPlan.token``
    the user confirmed (irreversible transitions); ``back``, the page to return to."""

    BACK = (("region", "region"), ("version", "version"))

    comment = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea(
        attrs={"rows": 2}
    ), max_length=text_limits.COMMENT)  # fmt: skip
    expected = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)
    back = forms.ChoiceField(choices=BACK, required=False, widget=forms.HiddenInput)


class _LockedForm(forms.ModelForm):
    """A model form carrying the ``lock_version`` it was loaded at (optimistic locking)."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "lock_version" not in self.initial:
            self.initial["lock_version"] = self.instance.lock_version

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class VoletForm(_LockedForm):
    """A volet of ``version``; disabled, and any submit refused, once it is not a draft."""

    class Meta:
        model = Volet
        fields = ["title", "theme", "narrative", "pathway", "activities", "order"]
        widgets = {
            "narrative": forms.Textarea(attrs={"rows": 14, "cols": 80}),
            "activities": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, version: SchemaVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        self.fields["activities"].queryset = current_activities()
        self.fields["order"].validators = []
        if not version.is_editable:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        cleaned = super().clean()
        if not self.version.is_editable:
            raise forms.ValidationError(
                _("Cette version est en lecture seule (%(state)s).")
                % {"state": self.version.get_state_display()}
            )
        return cleaned


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PilotProjectForm(_LockedForm):
    class Meta:
        model = PilotProject
        fields = ["title", "theme", "zone", "start_date", "end_date", "description"]
        widgets = {
            "start_date": DateInput,
            "end_date": DateInput,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = (
            Zone.objects.filter(zoning__region=region)
            .select_related("zoning")
            .order_by("zoning__name", "code")
        )
        self.fields["zone"].label_from_instance = lambda z: f"{z.zoning.name} – {z}"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error(
                "end_date",
                _("La date de fin (%(end)s) précède la date de début (%(start)s).")
                % {"end": end, "start": start},
            )
        return cleaned


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "due_date", "status"]
        widgets = {"due_date": DateInput}


class BaseMilestoneFormSet(forms.BaseInlineFormSet):
    """Milestones of a project; ``period`` (start, end) of the project form checks their dates."""

    def __init__(self, *args, period=(None, None), **kwargs):
        super().__init__(*args, **kwargs)
        self.period = period

    def clean(self):
        super().clean()
        for form in self.forms:
            due = form.cleaned_data.get("due_date") if hasattr(form, "cleaned_data") else None
            if due is None or form.cleaned_data.get("DELETE"):
                continue
            message = project_services.milestone_errors(self.period, due)
            if message:
                form.add_error("due_date", message)

    def rows(self) -> list[dict]:
        """The rows to save, for ``project_services.milestones_save``."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or (not form.has_changed() and not form.instance.pk):
                continue
            rows.append(
                {
                    "id": form.instance.pk,
                    "title": data.get("title"),
                    "due_date": data.get("due_date"),
                    "status": data.get("status"),
                    "delete": data.get("DELETE", False),
                }
            )
        return rows


MilestoneFormSet = forms.inlineformset_factory(
    PilotProject,
    Milestone,
    form=MilestoneForm,
    formset=BaseMilestoneFormSet,
    extra=2,
    can_delete=True,
)


class EvaluationForm(forms.Form):
    year = forms.IntegerField(label=_("Année"), min_value=1900, max_value=2200)
    text = forms.CharField(
        label=_("Évaluation"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=text_limits.DESCRIPTION,
    )
    indicators = forms.MultipleChoiceField(
        label=_("Indicateurs à relever (dernier calcul terminé de la région)"),
        choices=IndicatorValue.Indicator.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class InitiativeSearch(InitiativeFilter):
    """The inventory's filters, in French, plus a search in what is said of reproducibility."""

    reproducibility = django_filters.CharFilter(
        field_name="reproducibility", lookup_expr="icontains", label=_("Reproductibilité")
    )

    class Meta(InitiativeFilter.Meta):
        fields = [*InitiativeFilter.Meta.fields, "reproducibility"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"q": _("Recherche"), "kind": _("Type"), "department": _("Département")}
        for name, label in labels.items():
            self.filters[name].label = label


class ObjectiveFilterForm(forms.Form):
    """The filter of a version's objectives, offering only what the version uses."""

    activity = forms.ModelChoiceField(
        label=_("Activité"), queryset=AuthorisedActivity.objects.none(), required=False
    )
    zone = forms.ModelChoiceField(label=_("Zone"), queryset=Zone.objects.none(), required=False)

    def __init__(self, *args, version: SchemaVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = AuthorisedActivity.objects.filter(
            pk__in=version.objectives.values("activity_id")
        )
        self.fields["zone"].queryset = zones_for(version).order_by("zoning__name", "code")
