"""The « Suggérer » form: a level, a location model, a target time, p new sites (MCLP,
p-median) or the share of the population to cover (the coverage goal), and the candidate sites
(the communes' points, or points given one per line as « longitude ; latitude », which the
page's map fills in when clicked)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.form_fields import DecimalTextField
from core.formatting import format_percent
from pathways.models import Level
from pathways.selectors import level_access_target

from . import scenarios, suggestions
from .models import SchemaVersion, SuggestionJob

COMMUNES, POINTS = "communes", "points"
_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
_POINT_LINE = re.compile(rf"^\s*({_NUMBER})\s*[;\s]\s*({_NUMBER})\s*$")


def parse_points(text: str) -> tuple[list[list[float]], list[str]]:
    """Points of the text (one « lon ; lat » a line, blank lines skipped) and the errors, each
    naming its line."""
    points, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _POINT_LINE.match(line)
        if match is None:
            errors.append(_("Ligne %(n)d : « %(line)s » n'est pas « longitude ; latitude ».")
                          % {"n": number, "line": line.strip()[:60]})  # fmt: skip
            continue
        lon, lat = (float(v.replace(",", ".")) for v in match.groups())
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            errors.append(_("Ligne %(n)d : coordonnées invalides (degrés WGS84).") % {"n": number})
            continue
        points.append([lon, lat])
    return points, errors


class SuggestionForm(forms.Form):
    level = forms.ModelChoiceField(
        queryset=Level.objects.none(), label=gettext_lazy("Niveau de filière"), empty_label=None
    )
    model = forms.ChoiceField(choices=SuggestionJob.Model.choices, label=gettext_lazy("Modèle"))
    target_minutes = forms.IntegerField(
        label=gettext_lazy("Temps cible (minutes)"), min_value=1, max_value=240, required=False,
        help_text=gettext_lazy("Vide : la cible d'accès du niveau."),
    )  # fmt: skip
    p = forms.IntegerField(
        label=gettext_lazy("Nombre de nouveaux sites (MCLP, p-médiane)"),
        min_value=1, max_value=suggestions.MAX_P, required=False,
    )  # fmt: skip
    goal = DecimalTextField(
        label=gettext_lazy("Part de la population à couvrir (%)"),
        required=False,
        help_text=gettext_lazy("Objectif de couverture : de 1 à 100, par exemple 95 ou 97,5."),
    )
    candidates = forms.ChoiceField(
        label=gettext_lazy("Sites candidats"),
        choices=[
            (COMMUNES, gettext_lazy("Le point de chaque commune de la région")),
            (POINTS, gettext_lazy("Les points donnés ci-dessous (ou cliqués sur la carte)")),
        ],
        widget=forms.RadioSelect,
        initial=COMMUNES,
    )
    points = forms.CharField(
        label=gettext_lazy("Points candidats (une ligne « longitude ; latitude » par point)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20_000,
    )

    def __init__(self, *args, version: SchemaVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        levels = suggestions.suggestible_levels()
        self.fields["level"].queryset = Level.objects.filter(pk__in=[lv.pk for lv in levels])

    def clean(self):
        data = super().clean()
        model, level = data.get("model"), data.get("level")
        # A field the chosen model does not read cannot stop the form (the page hides it), nor
        # reach the job (whose page would say « Nouveaux sites demandés » for an LSCP).
        Model = SuggestionJob.Model
        for name, models in (("p", (Model.MCLP, Model.PMEDIAN)), ("goal", (Model.GOAL,))):
            if model not in models:
                self.errors.pop(name, None)
                data[name] = None
        if model in (SuggestionJob.Model.MCLP, SuggestionJob.Model.PMEDIAN) and not data.get("p"):
            self.add_error("p", _("Donnez le nombre de nouveaux sites."))
        if model == SuggestionJob.Model.GOAL:  # the goal decides how many sites
            goal = data.get("goal")
            if goal is None and "goal" not in self.errors:
                self.add_error("goal", _("Donnez la part de la population à couvrir."))
            elif goal is not None and not suggestions.MIN_GOAL <= goal <= suggestions.MAX_GOAL:
                self.add_error(
                    "goal",
                    _("La part à couvrir va de %(min)s à %(max)s.")
                    % {
                        "min": format_percent(suggestions.MIN_GOAL, 0),
                        "max": format_percent(suggestions.MAX_GOAL, 0),
                    },
                )
        if level is not None and not data.get("target_minutes"):
            target = level_access_target(level)
            if target is None:
                self.add_error("target_minutes", _("Ce niveau n'a pas de cible : donnez-en une."))
            data["target_minutes"] = float(target) if target is not None else None
        data["point_list"] = None
        if data.get("candidates") == POINTS:
            points, errors = parse_points(data.get("points") or "")
            for message in errors:
                self.add_error("points", message)
            if not points and not errors:
                self.add_error("points", _("Donnez au moins un point candidat."))
            if len(points) > suggestions.MAX_POINTS:
                self.add_error(
                    "points", _("Au plus %(n)d points candidats.") % {"n": suggestions.MAX_POINTS}
                )
            outside = [
                number
                for number, (lon, lat) in enumerate(points, start=1)
                if scenarios.commune_at(self.version, lon, lat) is None
            ]
            if outside and not errors:
                self.add_error(
                    "points",
                    _("Points hors de la région du schéma : n° %(list)s.")
                    % {"list": ", ".join(map(str, outside[:10]))},
                )
            data["point_list"] = points
        return data
