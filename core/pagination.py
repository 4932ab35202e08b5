"""Pagination of the REST API (kept apart from ``api_common``: DRF imports the default
pagination class while loading its generic views, so this module must not import them)."""

from django.conf import settings
from rest_framework.pagination import PageNumberPagination
from rest_framework_gis.pagination import GeoJsonPagination


class PagePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = settings.SROS_API_MAX_PAGE_SIZE


class FeaturePagination(GeoJsonPagination):
    """A FeatureCollection with ``count``, ``next`` and ``previous``."""

    page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]
    max_page_size = settings.SROS_API_MAX_PAGE_SIZE
