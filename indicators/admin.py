"""Admin of indicator runs: read-only runs, and "Nouveau calcul" (the add page) which asks
for a region and levels and queues a run through the same service as the page and command."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access import roles
from core.workers import UNAVAILABLE, BrokerUnavailable
from pathways.models import Level
from territories.models import Region

from . import services
from .models import IndicatorRun


class NewRunForm(forms.Form):
    region = forms.ModelChoiceField(
        queryset=Region.objects.defer("geometry"), label=gettext_lazy("région")
    )
    levels = forms.ModelMultipleChoiceField(
        queryset=Level.current.select_related("pathway"),
        required=False,
        label=gettext_lazy("niveaux"),
        help_text=gettext_lazy("Aucun niveau choisi : tous les niveaux de toutes les filières."),
        widget=forms.CheckboxSelectMultiple,
    )


@admin.register(IndicatorRun)
class IndicatorRunAdmin(admin.ModelAdmin):
    list_display = ["id", "region", "status", "progress", "stale", "provider", "created_at",
                    "finished_at", "requested_by"]  # fmt: skip
    list_filter = ["status", "stale", "provider", "region"]
    list_select_related = ["region", "requested_by"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "region", "levels_list", "level_states", "provider", "parameters", "fingerprint",
        "inputs_summary", "inputs_provenance",
        "status", "progress", "created_at", "started_at", "finished_at", "timings", "error",
        "stale", "requested_by", "value_count",
    ]  # fmt: skip
    exclude = ["levels", "chunks", "chunks_done"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("region__geometry")

    @admin.display(description=gettext_lazy("niveaux calculés"))
    def levels_list(self, run: IndicatorRun) -> str:
        return ", ".join(str(level) for level in run.levels.select_related("pathway"))

    @admin.display(description=gettext_lazy("valeurs enregistrées"))
    def value_count(self, run: IndicatorRun) -> int:
        return IndicatorRun.objects.filter(pk=run.pk).aggregate(n=Count("values"))["n"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # shown read-only: only its services change a run

    def has_add_permission(self, request) -> bool:
        """ "Nouveau calcul" picks any region: administrators only (``access.roles``), even
        if a staff group were given the model permission."""
        return roles.is_admin(request.user) and super().has_add_permission(request)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        """ "Nouveau calcul": a region and levels, then a queued run."""
        if not self.has_add_permission(request):
            return self.changeform_view(request, None, form_url, extra_context)
        form = NewRunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = services.run_create(
                    region=form.cleaned_data["region"],
                    levels=form.cleaned_data["levels"] or None,
                    requested_by=request.user,
                )
            except BrokerUnavailable:
                self.message_user(request, UNAVAILABLE, messages.ERROR)
                return HttpResponseRedirect(request.path)
            except services.RunRefused as exc:
                form.add_error("region", str(exc))  # shown by the form, nothing written
            else:
                self.message_user(
                    request,
                    _("Calcul n° %(run)s demandé pour %(region)s.")
                    % {"run": run.pk, "region": run.region},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:indicators_indicatorrun_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Nouveau calcul d'indicateurs"),
            "form": form,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "indicators/admin/new_run.html", context)
