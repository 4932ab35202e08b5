"""Pagination of the REST API (kept apart from the API base classes: DRF imports the default
pagination class while loading its generic views, so this module must not import them).

``page_size`` is validated instead of DRF's silent fallback: a client asking for 5,000 rows
and getting 1,000 without a word would think it has them all. A value that is not an integer
from 1 to ``SROS_API_MAX_PAGE_SIZE`` answers 400 naming the limit.
"""

from __future__ import annotations

from functools import cached_property, partial
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework_gis.pagination import GeoJsonPagination


class CachedCountPaginator(Paginator):
    """Django's paginator whose row count comes from the response cache under ``count_key``
    (``core.response_cache.count_key``: the list without its page number)."""

    def __init__(self, *args: Any, count_key: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        from . import response_cache

        return response_cache.cached_count(self.count_key, lambda: Paginator.count.func(self))


class ValidatedPageSizeMixin:
    page_size_query_param = "page_size"
    max_page_size = settings.SROS_API_MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request: Request, view=None):
        """DRF's, with the count from the response cache when the view's ``CachedListMixin``
        named a key for it (``view.count_cache_key``)."""
        key = getattr(view, "count_cache_key", None)
        if key is not None:
            self.django_paginator_class = partial(CachedCountPaginator, count_key=key)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            message = _("« page_size » doit être un entier de 1 à %(max)d.") % {
                "max": self.max_page_size
            }
            raise ValidationError({self.page_size_query_param: [message]})
        return size

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = (
                    f"Number of results per page, from 1 to {self.max_page_size} "
                    f"(default {self.page_size}); any other value answers 400."
                )
            elif parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


class IdsFirstMixin:
    """For a DRF viewset whose rows cost the database more than reading them (GeoJSON written
    by PostGIS, ``core.geojson.with_geojson``): the page's ids are read first, from the list's
    filtered and ordered queryset, then only those rows are fetched in full. With ``OFFSET``,
    PostgreSQL computes the select list of every row it skips: a far page of communes wrote
    the GeoJSON of the 1,700 communes before it (30 ms) to send 100.

    ``page_rows(ids)`` fetches the rows (default: ``get_queryset()`` restricted to ``ids``);
    the page keeps the list's order, and a row deleted in between is left out."""

    def paginate_queryset(self, queryset):
        ids = super().paginate_queryset(queryset.values_list("pk", flat=True))
        if ids is None:
            return None
        ids = list(ids)
        rows = {row.pk: row for row in self.page_rows(ids)}
        return [rows[pk] for pk in ids if pk in rows]

    def page_rows(self, ids: list[Any]):
        return self.get_queryset().filter(pk__in=ids).order_by()


class PagePagination(ValidatedPageSizeMixin, PageNumberPagination):
    pass


class FeaturePagination(ValidatedPageSizeMixin, GeoJsonPagination):
    """A FeatureCollection with ``count``, ``next`` and ``previous``."""

    page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """``schema`` is the FeatureCollection of the features (drf-spectacular's
        ``<Feature>List``, with ``type`` and ``features``): add what the page carries.
        (rest_framework_gis's own version nests that collection under ``features`` and still
        requires DRF's ``results``.)"""
        page = PageNumberPagination.get_paginated_response_schema(self, schema)
        properties = {k: v for k, v in page["properties"].items() if k != "results"}
        return {
            "allOf": [
                schema,
                {
                    "type": "object",
                    "required": ["type", "count", "next", "previous", "features"],
                    "properties": properties,
                },
            ]
        }
