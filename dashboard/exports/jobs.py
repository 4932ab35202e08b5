"""Export jobs: an export URL handed to a Celery worker (``dashboard.tasks.build_export``),
built by the very functions of the synchronous download (``build``), with its progress stored
on the job for the page's progress bar.

A job is created from the export URL the page would have followed (``read_export_url``), so
every export link can become a job without a second description of its filters. The worker
marks the job under its row lock, so a duplicate delivery (``acks_late``) builds nothing twice;
a failing build marks the job failed with its reason and leaves everything else as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.workers import BrokerUnavailable, heartbeat, publish
from dashboard import territory
from dashboard.models import ExportJob
from territories.models import Region
from territories.selectors import with_department_counts

from . import build
from .tables import ExportError, export_run, read_units

logger = logging.getLogger(__name__)
Target = ExportJob.Target
Status = ExportJob.Status

#: The export URLs (``dashboard`` namespace) a job can build, and what each builds.
EXPORT_URLS = {
    "export_indicators": Target.INDICATORS,
    "export_facilities": Target.FACILITIES,
    "export_territory_report": Target.REPORT,
    "export_zone_report": Target.REPORT,
    "export_schema_document": Target.SCHEMA,
}
#: The targets whose file is always a PDF (their URL names no format).
PDF_TARGETS = (Target.REPORT, Target.SCHEMA)


@dataclass(frozen=True)
class ExportRequest:
    """What an export URL names: region, export, format, and its parameters."""

    region_code: str
    target: str
    extension: str
    parameters: dict


def read_export_url(url: str) -> ExportRequest:
    """The export a dashboard export URL (path and query string, of this site) names."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        raise ExportError(_("Adresse d'export invalide : %(url)s") % {"url": url})
    try:
        match = resolve(parts.path)
    except Resolver404 as error:
        raise ExportError(_("Adresse d'export inconnue : %(url)s") % {"url": url}) from error
    if match.namespace != "dashboard" or match.url_name not in EXPORT_URLS:
        raise ExportError(_("Adresse d'export inconnue : %(url)s") % {"url": url})
    kwargs = match.kwargs
    target = EXPORT_URLS[match.url_name]
    extension = kwargs.get("extension", "pdf")
    if target not in PDF_TARGETS and extension not in build.FORMATS:
        raise ExportError(_("Format inconnu : %(format)s") % {"format": extension})
    parameters: dict = {"query": dict(QueryDict(parts.query).lists())}
    if target == Target.REPORT:
        parameters["unit"] = {k: kwargs.get(k) for k in ("kind", "code", "zoning_id")}
    if target == Target.SCHEMA:
        parameters["version"] = kwargs["version_id"]
    return ExportRequest(kwargs["region_code"], target, extension, parameters)


def _query(parameters: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, values in parameters.get("query", {}).items():
        query.setlist(name, values)
    return query


def _check(region: Region, request: ExportRequest) -> None:
    """The errors a user should see at once rather than as a failed job: no done run, unknown
    units or territory. The build checks everything again."""
    query = _query(request.parameters)
    if request.target == Target.FACILITIES:
        return
    if request.target == Target.SCHEMA:
        if build.schema_version(region, request.parameters["version"]) is None:
            raise ExportError(_("Version du schéma inconnue dans cette région."))
        return
    if export_run(region, query.get("run")) is None:
        raise ExportError(_("Aucun calcul d'indicateurs terminé pour cette région."))
    if request.target == Target.INDICATORS:
        read_units(region, query.get("units"))
        return
    unit = request.parameters["unit"]
    if territory.find_unit(region, unit["kind"], unit["code"], unit["zoning_id"]) is None:
        raise ExportError(_("Territoire inconnu : %(code)s") % {"code": unit["code"]})


def export_job_create(*, user, region: Region, request: ExportRequest) -> ExportJob:
    """Check the request, store the job and hand it to a worker once the job is committed.

    If the broker does not take it, the job is deleted again and ``BrokerUnavailable`` raised
    when the transaction commits: no queued job is left that nothing would ever build."""
    if region.code != request.region_code:
        raise ExportError(_("L'export ne concerne pas cette région."))
    _check(region, request)
    export_jobs_purge()
    parameters = {**request.parameters, "language": translation.get_language()}
    job = ExportJob.objects.create(
        user=user,
        region=region,
        target=request.target,
        extension=request.extension,
        parameters=parameters,
    )
    transaction.on_commit(lambda: export_job_enqueue(job.pk, withdraw=True))
    return job


def export_job_enqueue(job_id, *, withdraw: bool = False) -> None:
    """Hand the job to a worker; ``BrokerUnavailable`` if the broker does not take it, after
    deleting the (still queued) job if ``withdraw``."""
    from dashboard.tasks import build_export  # the task module imports this one

    try:
        # No result wanted (the job row is the result): the publish touches the broker only.
        publish(lambda: build_export.apply_async((str(job_id),), ignore_result=True))
    except BrokerUnavailable:
        if withdraw:
            ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).delete()
        raise


# --- on the worker --------------------------------------------------------------------------


class _Reporter:
    """Writes the job's progress as it goes: at most every ``interval`` seconds (or each 10
    points), and never 100 before the file is stored."""

    def __init__(self, job_id, interval: float = 0.25) -> None:
        self.job_id, self.interval = job_id, interval
        self.shown, self.at = 0, time.monotonic()

    def __call__(self, fraction: float) -> None:
        percent = min(int(fraction * 100), 99)
        now = time.monotonic()
        if percent > self.shown and (now - self.at >= self.interval or percent >= self.shown + 10):
            ExportJob.objects.filter(pk=self.job_id, status=Status.RUNNING).update(progress=percent)
            self.shown, self.at = percent, now


def _start(job_id) -> ExportJob | None:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != Status.QUEUED:
            return None  # deleted, or a duplicate delivery of a job already taken
        job.status, job.started_at = Status.RUNNING, timezone.now()
        job.heartbeat_at = job.started_at
        job.save(update_fields=["status", "started_at", "heartbeat_at"])
    return job


def _build(job: ExportJob, progress: build.Progress) -> build.Download:
    query = _query(job.parameters)
    # The region in the query that loads it anyway, with what its label needs.
    job.region = with_department_counts(Region.objects.defer("geometry")).get(pk=job.region_id)
    if job.target == Target.INDICATORS:
        return build.indicator_export(job.region, job.user, job.extension, query, progress)
    if job.target == Target.FACILITIES:
        return build.facility_export(job.region, job.user, job.extension, query, progress)
    if job.target == Target.SCHEMA:
        return build.schema_document(job.region, job.user, job.parameters["version"], progress)
    return build.territory_report(job.region, job.user, job.parameters["unit"], query, progress)


def export_job_fail(job_id, message: str) -> bool:
    """Mark a job that has not ended failed; returns whether it was."""
    return bool(
        ExportJob.objects.filter(pk=job_id, status__in=[Status.QUEUED, Status.RUNNING]).update(
            status=Status.FAILED, error=message[:2000], finished_at=timezone.now()
        )
    )


def export_job_run(job_id) -> ExportJob | None:
    """Build the job's file and store it; a failure is stored as the job's error."""
    job = _start(job_id)
    if job is None:
        return ExportJob.objects.filter(pk=job_id).first()
    try:
        with (
            heartbeat(ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING)),
            translation.override(job.parameters.get("language") or settings.LANGUAGE_CODE),
        ):
            download = _build(job, _Reporter(job.pk))
    except (ExportError, build.NotFound) as error:
        export_job_fail(job.pk, str(error) or _("Aucun calcul terminé ou territoire inconnu."))
    except Exception as error:  # noqa: BLE001 - any failure must end the job, not hang it
        logger.exception("export job %s failed", job.pk)
        export_job_fail(job.pk, f"{type(error).__name__}: {error}")
    else:
        ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
            status=Status.DONE,
            progress=100,
            content=download.body,
            size=len(download.body),
            filename=download.filename,
            # the file's sources document, for the Link header of its download
            parameters={**job.parameters, "sources_url": download.sources_url},
            finished_at=timezone.now(),
        )
    return ExportJob.objects.defer("content").get(pk=job.pk)


def export_job_wait(job: ExportJob, seconds: float, poll: float = 0.2) -> ExportJob:
    """``job`` once it has ended, or as it is after ``seconds``: what a script following the
    job's URL waits for in one request. Reads the status every ``poll`` seconds (one indexed
    query by primary key each, the file itself left out)."""
    deadline = time.monotonic() + seconds
    while not job.ended and time.monotonic() < deadline:
        time.sleep(min(poll, max(deadline - time.monotonic(), 0)))
        export_jobs_fail_expired()
        job = ExportJob.objects.defer("content").select_related("region").get(pk=job.pk)
    return job


# --- housekeeping ---------------------------------------------------------------------------


def export_jobs_fail_expired(now: dt.datetime | None = None) -> int:
    """Fail the jobs a worker never ended (killed at its hard time limit, machine restart)."""
    limit = (now or timezone.now()) - dt.timedelta(seconds=settings.SROS_EXPORT_EXPIRY_SECONDS)
    expired = ExportJob.objects.filter(
        status__in=[Status.QUEUED, Status.RUNNING], created_at__lt=limit
    ).values_list("pk", flat=True)
    message = str(_("abandonné : aucun worker ne l'a terminé dans le délai imparti"))
    return sum(export_job_fail(pk, message) for pk in list(expired))


def export_jobs_purge(now: dt.datetime | None = None) -> int:
    """Delete the jobs older than ``SROS_EXPORT_RETENTION_SECONDS`` (their files with them)."""
    limit = (now or timezone.now()) - dt.timedelta(seconds=settings.SROS_EXPORT_RETENTION_SECONDS)
    deleted, _by_model = ExportJob.objects.filter(created_at__lt=limit).delete()
    return deleted
