"""Export jobs in the browser: a page's export link is posted here, the job is built by a worker
while the page polls its progress, then the file is downloaded. Only the user who asked for a
job sees it; the region permission is checked again when the file is taken.

Without JavaScript the start answers with a redirect to the job's page (a progress bar that
refreshes itself); ``exports.js`` asks for JSON and shows the bar beside the link.

A script (``curl -L``) reaches the same job page from a plain GET of a heavy export (``303``,
see ``views``). Asked without ``text/html`` in ``Accept``, the page waits up to
``SROS_EXPORT_WAIT_SECONDS`` (or ``?wait=``, not more) for the job, then answers ``303`` to the
file when it is done, ``409`` with the reason when it failed, and otherwise ``303`` to itself
(``Retry-After: 1``, the progress as JSON in the body), so that following the redirects ends
with the file. ``Accept: application/json`` gets the progress at once, as ``progress.json``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from access.roles import can_view_region
from core.workers import UNAVAILABLE, BrokerUnavailable
from dashboard.models import ExportJob
from dashboard.view_helpers import region_or_403
from territories.selectors import region_label

from . import jobs, recovery
from .tables import ExportError
from .views import HttpResponseSeeOther, download_response


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _job(request: HttpRequest, job_id) -> ExportJob:
    job = (
        ExportJob.objects.defer("content")
        .select_related("region")
        .filter(pk=job_id, user=request.user)
        .first()
    )
    if job is None:
        raise Http404
    return job


def job_state(job: ExportJob) -> dict:
    """The job as the progress bar reads it."""
    return {
        "id": str(job.pk),
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "target_label": str(job.get_target_display()),
        "progress": job.progress,
        "error": job.error,
        "filename": job.filename,
        "size": job.size,
        "page_url": reverse("dashboard:export_job", args=[job.pk]),
        "progress_url": reverse("dashboard:export_job_progress", args=[job.pk]),
        "download_url": reverse("dashboard:export_job_file", args=[job.pk]),
        "restart_url": (
            reverse("dashboard:export_job_restart", args=[job.pk])
            if job.status == ExportJob.Status.FAILED
            else None
        ),
    }


def _unavailable(request: HttpRequest) -> HttpResponse:
    """The broker did not take the job (none is left): say so, 503."""
    if _wants_json(request):
        return JsonResponse({"error": str(UNAVAILABLE)}, status=503)
    return HttpResponse(str(UNAVAILABLE), status=503, content_type="text/plain; charset=utf-8")


@require_POST
@login_required
def export_job_start(request: HttpRequest) -> HttpResponse:
    """Start a job for the export URL posted as ``url``."""
    try:
        export = jobs.read_export_url(request.POST.get("url", ""))
        region = region_or_403(request, export.region_code)
        job = jobs.export_job_create(user=request.user, region=region, request=export)
    except ExportError as error:
        if _wants_json(request):
            return JsonResponse({"error": str(error)}, status=400)
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    except BrokerUnavailable:
        return _unavailable(request)
    if _wants_json(request):
        job.refresh_from_db(fields=["status", "progress", "error", "filename", "size"])
        return JsonResponse(job_state(job), status=202)
    return redirect("dashboard:export_job", job.pk)


def _wants_page(request: HttpRequest) -> bool:
    return "text/html" in request.headers.get("Accept", "")


def _number(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() else default


def _follow(request: HttpRequest, job: ExportJob) -> HttpResponse:
    """A script's request to the job: the file once done (see the module docstring)."""
    limit = settings.SROS_EXPORT_WAIT_SECONDS
    wait = min(_number(request.GET.get("wait"), limit), limit)
    job = jobs.export_job_wait(job, wait)
    state = job_state(job)
    if job.status == ExportJob.Status.DONE:
        return HttpResponseSeeOther(state["download_url"])
    if job.status == ExportJob.Status.FAILED:
        return HttpResponse(job.error, status=409, content_type="text/plain; charset=utf-8")
    # A new URL each time: clients that stop at a repeated one (urllib) follow it too.
    hop = _number(request.GET.get("n"), 0) + 1
    response = HttpResponseSeeOther(f"{state['page_url']}?wait={wait}&n={hop}")
    response["Retry-After"] = "1"
    response["Content-Type"] = "application/json"
    response.content = JsonResponse(state).content
    return response


@require_safe
@login_required
def export_job_page(request: HttpRequest, job_id) -> HttpResponse:
    if _wants_json(request):
        return export_job_progress(request, job_id)
    job = _job(request, job_id)
    if not _wants_page(request):
        return _follow(request, job)
    recent = ExportJob.objects.defer("content").filter(user=request.user).exclude(pk=job.pk)[:10]
    return render(
        request,
        "dashboard/export_job.html",
        {
            "job": job,
            "state": job_state(job),
            "recent": recent,
            "region_label": region_label(job.region),  # a partial region says so
        },
    )


@require_safe
@login_required
def export_job_progress(request: HttpRequest, job_id) -> JsonResponse:
    jobs.export_jobs_fail_expired()
    return JsonResponse(job_state(_job(request, job_id)))


@require_safe
@login_required
def export_job_file(request: HttpRequest, job_id) -> HttpResponse:
    job = _job(request, job_id)
    if not can_view_region(request.user, job.region):
        raise PermissionDenied
    if job.status != ExportJob.Status.DONE:
        return HttpResponse(
            job.error or job.get_status_display(), status=409, content_type="text/plain"
        )
    content = ExportJob.objects.values_list("content", flat=True).get(pk=job.pk)
    sources_url = job.parameters.get("sources_url", "")
    return download_response(
        bytes(content), job.filename, job.extension, request=request, sources_url=sources_url
    )


@require_POST
@login_required
def export_job_restart(request: HttpRequest, job_id) -> HttpResponse:
    """Start again what a failed job of the user was to build (a new job)."""
    job = _job(request, job_id)
    if not can_view_region(request.user, job.region):
        raise PermissionDenied
    if job.status != ExportJob.Status.FAILED:
        return HttpResponse(job.get_status_display(), status=409, content_type="text/plain")
    try:
        again = recovery.export_job_restart(job)
    except BrokerUnavailable:
        return _unavailable(request)
    if _wants_json(request):
        again.refresh_from_db(fields=["status", "progress", "error", "filename", "size"])
        return JsonResponse(job_state(again), status=202)
    return redirect("dashboard:export_job", again.pk)
