"""A test service's settings for the store `store_env` chose (SQLite files in its directory, or a
database of the real PostgreSQL server): the one home of that mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shared.settings import ServiceSettings


def service_settings(name: str, env: dict[str, str], **more: Any) -> ServiceSettings:
    values: dict[str, Any] = {"service_name": name, "var_dir": Path(env["ESA_VAR_DIR"]), **more}
    if env.get("ESA_STORE") == "postgres":
        values.update(store="postgres", postgres_host=env["ESA_POSTGRES_HOST"],
                      postgres_port=int(env["ESA_POSTGRES_PORT"]),
                      postgres_user=env["ESA_POSTGRES_USER"],
                      postgres_dbname=env["ESA_POSTGRES_DBNAME"])
    return ServiceSettings(**values)
