"""Restructuring's settings: the common ones (prefix `ESA_`) with its name and port pinned."""

from __future__ import annotations

from shared.settings import ServiceSettings


class RestructuringSettings(ServiceSettings):
    service_name: str = "restructuring"
    http_port: int = 8104
    # The largest enrolment file accepted (CSV or .xlsx) and its most rows: a whole province's
    # schools for several years fit well within both.
    max_import_bytes: int = 10 * 1024 * 1024
    max_import_rows: int = 50_000
