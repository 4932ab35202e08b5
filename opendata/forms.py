"""The upload form of the Imports page (issue 12 §2): the kinds offered are those the user may
upload (``access.roles.can_upload_import``, the same call the view makes), the options those
of ``manage.py import_open_data``; the upload itself is ``opendata.uploads.upload_create``."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from access import roles
from core.labels import label_of
from territories.models import Region, Zoning

from .registry import FULL_KINDS, IMPORTERS, REGION_KINDS


def uploadable_kinds(user) -> list[str]:
    """The registry's kinds ``user`` may upload, in the registry's order."""
    return [
        kind
        for kind in IMPORTERS
        if roles.can_upload_import(user, region_scoped=kind in REGION_KINDS)
    ]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de fichier"))
    region = forms.ModelChoiceField(
        label=_("Région"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("Chaque ligne du fichier doit être dans cette région."),
    )
    file = forms.FileField(label=_("Fichier"))
    zoning_name = forms.CharField(
        label=_("Nom du zonage"),
        required=False,
        max_length=150,
        help_text=_("Zonage seulement ; par défaut celui de l’éditeur (INSEE, DREES)."),
    )
    zoning_kind = forms.ChoiceField(
        label=_("Type de zonage"),
        required=False,
        help_text=_("Zonage seulement ; par défaut celui de l’éditeur (INSEE, DREES)."),
    )
    year = forms.IntegerField(
        label=_("Année de référence"),
        required=False,
        min_value=1800,
        max_value=2200,
        help_text=_("Populations légales seulement."),
    )
    full = forms.BooleanField(
        label=_("Extraction complète : clore les autorisations absentes du fichier"),
        required=False,
        help_text=_("Autorisations FINESS et activités FINESS+ seulement."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["kind"].choices = [
            (kind, label_of("import_kind", kind)) for kind in uploadable_kinds(user)
        ]
        self.fields["zoning_kind"].choices = [("", "—"), *Zoning.Kind.choices]
        self.is_admin = roles.is_admin(user)
        if self.is_admin:
            del self.fields["region"]  # an administrator's file is checked against no region
        else:
            planned = Region.objects.filter(pk__in=roles.planner_region_ids(user))
            self.fields["region"].queryset = planned.order_by("code")
            self.fields["region"].required = True
            self.fields["region"].empty_label = None
            for name in ("year", "full"):  # options of national kinds only
                del self.fields[name]
        self.fields["file"].help_text = _("%(size)s au plus.") % {
            "size": filesizeformat(settings.SROS_UPLOAD_MAX_BYTES)
        }

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > settings.SROS_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("Fichier trop volumineux : %(size)s, %(limit)s au plus.")
                % {
                    "size": filesizeformat(file.size),
                    "limit": filesizeformat(settings.SROS_UPLOAD_MAX_BYTES),
                }
            )
        return file

    def clean(self):
        data = super().clean()
        kind, region = data.get("kind"), data.get("region")
        if kind and not roles.can_upload_import(
            self.user, region_scoped=kind in REGION_KINDS, region=region
        ):
            raise forms.ValidationError(_("Vous ne pouvez pas téléverser ce type de fichier."))
        if kind != "zoning" and (data.get("zoning_name") or data.get("zoning_kind")):
            raise forms.ValidationError(
                _("Le nom et le type de zonage ne valent que pour un zonage.")
            )
        if kind != "population" and data.get("year") is not None:
            self.add_error("year", _("L’année ne vaut que pour les populations légales."))
        if kind not in FULL_KINDS and data.get("full"):
            self.add_error("full", _("Ne vaut que pour les autorisations FINESS et FINESS+."))
        return data

    def importer_options(self) -> dict:
        """The importer's keyword arguments, as ``import_open_data`` passes them."""
        data, options = self.cleaned_data, {}
        if data.get("zoning_name"):
            options["name"] = data["zoning_name"]
        if data.get("zoning_kind"):
            options["kind"] = data["zoning_kind"]
        if data.get("year") is not None:
            options["reference_year"] = data["year"]
        if data.get("full"):
            options["full"] = True
        return options
