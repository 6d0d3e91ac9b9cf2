"""The media types of the API's file endpoints, for content negotiation: a client that asks for the file's
own type (``Accept: application/pdf`` for the weekly report, ``text/csv`` for an export) gets the file,
as one asking for ``*/*`` does. A file view answers the file itself (a Django response, which DRF does
not render) and declares ``renderer_classes = file_renderers(PDFRenderer)``; its errors stay JSON
(``saas.api.errors``). tests/saas/api/test_file_media_types.py asks every file operation of the schema
for its own type."""
from __future__ import annotations

import json

from rest_framework import renderers
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.utils.mediatypes import media_type_matches, order_by_precedence


class FileRenderer(renderers.BaseRenderer):
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, (bytes, str)):
            return data
        return json.dumps(data).encode()  # never reached for errors, which are rendered as JSON


class CSVRenderer(FileRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


class PDFRenderer(FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


class ZipRenderer(FileRenderer):
    media_type = "application/zip"
    format = "zip"


def file_renderers(*file_types: type[FileRenderer]) -> list[type[renderers.BaseRenderer]]:
    """JSON first (what ``*/*`` and errors get), then the file's own types."""
    return [renderers.JSONRenderer, *file_types]


def _quality(media_range: str) -> float:
    for param in media_range.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


class QualityContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, honouring the client's q values (DRF ranks only by specificity, so
    ``text/csv, application/json;q=0.5`` got JSON): the media ranges of the highest q are tried first,
    within one q the most specific first, then the view's renderers in their order; q=0 means "not this".
    ``?format=`` still overrides."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE):
            return super().select_renderer(request, renderers, format_suffix)
        accepts = self.get_accept_list(request)
        for q in sorted({_quality(a) for a in accepts}, reverse=True):
            if q <= 0:
                break
            for media_ranges in order_by_precedence([a for a in accepts if _quality(a) == q]):
                for renderer in renderers:
                    for media_range in media_ranges:
                        if media_type_matches(renderer.media_type, media_range):
                            wildcard = "*" in media_range.split(";")[0]
                            return renderer, renderer.media_type if wildcard else media_range
        raise NotAcceptable(available_renderers=renderers)
