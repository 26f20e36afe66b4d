"""Planning's settings: the common ones (prefix `ESA_`) with its name and port pinned."""

from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class PlanningSettings(ServiceSettings):
    service_name: str = "planning"
    http_port: int = 8102
    # Fiscal years (BE) closed by configuration, besides those closed by command: plans of a
    # closed year can no longer be approved. JSON in the environment, e.g. `[2566, 2567]`.
    closed_fiscal_years: list[int] = Field(default_factory=list)
    # Largest reference-data file accepted for import (CSV or Excel), in bytes.
    max_import_bytes: int = 2 * 1024 * 1024
