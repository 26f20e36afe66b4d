"""The import rules that keep the services independent and the domain pure."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists())
STDLIB = set(sys.stdlib_module_names)
# What a pure domain module may import besides the standard library.
DOMAIN_ALLOWED = {"pydantic", "eventsourcing.domain", "shared.domain", "shared.thaitime",
                  "shared.context", "contracts"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_never_imports_another_service(service: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(ROOT / "services" / service)
        for module in imported_modules(path)
        if module.startswith("services.") and not module.startswith(f"services.{service}")
    ]
    assert offenders == []


@pytest.mark.parametrize("service", SERVICES)
def test_domain_imports_no_framework(service: str) -> None:
    domain = ROOT / "services" / service / "domain.py"
    if not domain.exists():
        pytest.fail(f"services/{service} has no domain.py")
    # A feature's domain (services/<service>/<feature>/domain.py) is held to the same rule, and
    # of its own service it may import only other domain modules.
    for path in sorted((ROOT / "services" / service).rglob("domain.py")):
        offenders = [
            module
            for module in imported_modules(path)
            if module.split(".")[0] not in STDLIB
            and not (module.startswith(f"services.{service}.") and module.endswith(".domain"))
            and not any(module == allowed or module.startswith(allowed + ".")
                        for allowed in DOMAIN_ALLOWED)
        ]
        assert offenders == [], f"{path.relative_to(ROOT)} imports {offenders}"


def test_contracts_import_only_pydantic() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(ROOT / "contracts")
        for module in imported_modules(path)
        if module.split(".")[0] not in STDLIB | {"pydantic", "contracts"}
    ]
    assert offenders == []


def test_shared_has_no_service_code() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(ROOT / "shared")
        for module in imported_modules(path)
        if module.startswith("services")
    ]
    assert offenders == []


# The office portal is a front end, not a domain service: it publishes no contract events and
# consumes none (it speaks to the services only through their HTTP APIs), so it has no
# integration.py; its forms are read in its pages (no schemas.py). Its own domain (accounts and
# sign-ins), application, projections, api, settings and main are there like everyone's.
FRONT_ENDS = {"portal": {"integration.py", "schemas.py"}}


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_files(service: str) -> None:
    expected = {"domain.py", "application.py", "integration.py", "projections.py", "api.py",
                "schemas.py", "settings.py", "main.py"} - FRONT_ENDS.get(service, set())
    present = {p.name for p in (ROOT / "services" / service).glob("*.py")}
    assert expected <= present, f"services/{service} lacks {sorted(expected - present)}"


# A service may keep a feature (e.g. one procedure) in a sub-package, with the same file roles;
# the composition root (settings.py, main.py) stays the service's own.
FEATURE_FILES = {"__init__.py", "domain.py", "application.py", "integration.py", "handlers.py",
                 "projections.py", "api.py", "schemas.py"}


@pytest.mark.parametrize("service", SERVICES)
def test_feature_sub_packages_keep_the_same_file_roles(service: str) -> None:
    folder = ROOT / "services" / service
    for package in sorted(p for p in folder.iterdir() if (p / "__init__.py").exists()):
        present = {p.name for p in package.glob("*.py")}
        where = f"services/{service}/{package.name}"
        assert present <= FEATURE_FILES, f"{where} has {sorted(present - FEATURE_FILES)}"
        assert "domain.py" in present, f"{where} has no domain.py"
        nested = [p.name for p in package.iterdir() if (p / "__init__.py").exists()]
        assert nested == [], f"{where} nests {nested}"
