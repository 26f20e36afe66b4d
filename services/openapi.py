"""The OpenAPI document of every service, committed as `contracts/openapi/<service>.json`.

`make openapi` (`python -m services.openapi`) writes them; a contract test fails when a committed
document and the one its service serves differ. Services are found the way `make run` finds them
(`services/<name>/main.py`) and built with their own `create_app()` on a throw-away store, so a
service added later is documented, tested and fuzzed without a change here.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from shared.launcher import existing_services
from shared.settings import PROJECT_ROOT

OPENAPI_DIR = PROJECT_ROOT / "contracts" / "openapi"
# Never contacted: a service app is built without starting its lifespan (relay, consumers).
UNUSED_NATS = "nats://127.0.0.1:9"


def service_names() -> list[str]:
    return existing_services()


@contextlib.contextmanager
def service_app(name: str, var_dir: Path, **settings: str) -> Iterator[FastAPI]:
    """The service's HTTP app, as its `main.py` builds it, on a store under `var_dir`
    (settings from `ESA_*` variables, set here for the duration)."""
    environment = {"ESA_VAR_DIR": str(var_dir), "ESA_NATS_URL": UNUSED_NATS,
                   **{f"ESA_{key.upper()}": value for key, value in settings.items()}}
    saved = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)
    try:
        api: FastAPI = importlib.import_module(f"services.{name}.main").create_app()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    try:
        yield api
    finally:
        api.state.runtime.app.close()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def main() -> None:
    OPENAPI_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name in service_names():
            with service_app(name, Path(scratch) / name) as api:
                path = OPENAPI_DIR / f"{name}.json"
                path.write_text(render(api.openapi()), encoding="utf-8")
                print(f"wrote {path.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
