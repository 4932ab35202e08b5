"""Forms of the schema pages. They validate input and show the service's rules inline; the
write itself is the service's (``sros.services``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Comment, Objective, SchemaVersion
from .schema_selectors import current_activities, zones_for


class ObjectiveForm(forms.ModelForm):
    """Edit (or create) an objective of ``version``; every field is disabled, and any submit
    refused, once the version is no longer a draft."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Objective
        fields = [
            "activity",
            "modality",
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


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class TransitionForm(forms.Form):
    comment = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea(
        attrs={"rows": 2}
    ))  # fmt: skip
