"""The OpenAPI description of every answer the API gives, not only the happy one.

drf-spectacular documents the 200/201/204 of each operation; clients (and the schemathesis
run of the suite) also meet the errors, so ``ApiAutoSchema`` adds them where the views can
answer them:

- 401 everywhere (no or a wrong token, no session);
- 403 on writes (role, CSRF, a read-only version) and on the objects of a region-scoped view
  (``RegionObjectPermission``);
- 404 on an object's URL, and on a list asked for a page that does not exist;
- 400 on lists (filters, ``page_size``, ``in_bbox``), on writes and deletes (field messages);
- 409, where a view declares it, with the object as saved (``api_common.conflict_response``);
- 413 on writes whose body is larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``api_errors``),
  415 on writes whose body DRF cannot parse by its ``Content-Type``.

GeoJSON features also say that their geometry may be null (every geometry column is
nullable), which drf-spectacular's rest_framework_gis support leaves out.
"""

from __future__ import annotations

from typing import Any

from django.contrib.gis.db.models import GeometryField as ModelGeometryField
from drf_spectacular.contrib.rest_framework_gis import GeoFeatureModelSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_object_type
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions

ERROR = build_object_type(
    properties={"detail": {"type": "string"}},
    required=["detail"],
    description="An error: what went wrong, in French.",
)
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {},
    "description": "Messages keyed by field or query parameter (lists of strings; nested for "
    "a list of objects such as a scenario's ``changes``), or ``detail`` alone.",
}

DESCRIPTIONS = {
    "400": "Invalid input: messages keyed by field or query parameter.",
    "401": "No credentials, or wrong ones.",
    "403": "The user's role does not allow it.",
    "404": "No such object (or page).",
    "409": "Saved by someone else since loaded (stale ``lock_version``): the object as saved.",
    "413": "Request body larger than the server accepts.",
    "415": "Request body of a media type the operation does not read.",
}

WRITES = ("POST", "PUT", "PATCH")


class ApiAutoSchema(AutoSchema):
    def _component(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _conflict_schema(self) -> dict[str, Any]:
        current = self.resolve_serializer(self._get_serializer(), "response")
        return build_object_type(
            properties={"detail": {"type": "string"}, "current": current.ref},
            required=["detail", "current"],
        )

    def _error_codes(self) -> list[str]:
        view_permissions = getattr(self.view, "permission_classes", [])
        scoped = any(p is not permissions.IsAuthenticated for p in view_permissions)
        detail = "{" in self.path
        listing = self.method == "GET" and self._is_list_view()
        codes = ["401"]
        if listing or self.method in (*WRITES, "DELETE"):
            codes.append("400")
        if self.method in (*WRITES, "DELETE") or (detail and scoped):
            codes.append("403")
        if detail or (listing and self._get_paginator()):
            codes.append("404")
        if self.method in WRITES:
            codes += ["413", "415"]
        return codes

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        error = self._component("Error", ERROR)
        for code in self._error_codes():
            if code not in responses:
                schema = self._component("FieldErrors", FIELD_ERRORS) if code == "400" else error
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(schema, description=DESCRIPTIONS[code]), code
                )
        if "409" in responses and "content" not in responses["409"]:
            responses["409"] = self._get_response_for_code(
                OpenApiResponse(self._conflict_schema(), description=DESCRIPTIONS["409"]), "409"
            )
        return responses


class NullableGeometryFeatureExtension(GeoFeatureModelSerializerExtension):
    """rest_framework_gis's features, with ``"geometry": null`` allowed when the model's
    geometry column is nullable."""

    priority = 1

    def map_serializer(self, auto_schema, direction):
        schema = super().map_serializer(auto_schema, direction)
        field = self.target.fields[self.target.Meta.geo_field]
        model_field = getattr(self.target.Meta.model, field.source, None)
        column = getattr(model_field, "field", None)
        if isinstance(column, ModelGeometryField) and column.null:
            schema["properties"]["geometry"]["nullable"] = True
        return schema
