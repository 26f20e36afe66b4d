"""Every command of every service has its decision right, and the README prints the tables.

Walks every route that changes state on every service `make run` starts (the portal included): a
route without an entry in its service's table fails here, so a new command cannot be added without
saying who may run it; an entry without a route is a stale row an auditor would be misled by."""

from __future__ import annotations

import importlib

import pytest

from services.openapi import service_app, service_names
from services.rights_table import markdown, readme_section
from shared.http.routes import api_routes
from shared.office.api import unlisted_routes
from shared.office.rights import changes_state


@pytest.mark.parametrize("name", service_names())
def test_every_state_changing_route_has_exactly_its_right(name: str, tmp_path) -> None:
    table = importlib.import_module(f"services.{name}.rights").RIGHTS
    with service_app(name, tmp_path / "var") as api:
        assert unlisted_routes(api, table, name) == []
        served = {(method, route.path) for route in api_routes(api) for method in route.methods
                  if changes_state(method)}
    stale = [r.route for r in table.rights if (r.method, r.path) not in served]
    assert stale == [], f"{name}: rights for routes that do not exist"


def test_the_readme_prints_every_table_as_the_code_declares_it() -> None:
    assert readme_section() == markdown(), "run `python -m services.rights_table --write`"
