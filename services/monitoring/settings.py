"""Monitoring's settings: the common ones (prefix `ESA_`) with its name and port pinned."""

from __future__ import annotations

from pathlib import Path

from shared.settings import PROJECT_ROOT, ServiceSettings


class MonitoringSettings(ServiceSettings):
    service_name: str = "monitoring"
    http_port: int = 8105
    # How often open cases are checked for a due date that has passed (announced once each).
    overdue_sweep_seconds: float = 60.0
    # A quarter's (or year's) progress report is due this many days after the period ends.
    report_grace_days: int = 15
    max_evidence_bytes: int = 10 * 1024 * 1024
    # The Thai font of reports, charts and the dashboard (bundled, SIL Open Font License).
    font_dir: Path = PROJECT_ROOT / "shared" / "fonts"
