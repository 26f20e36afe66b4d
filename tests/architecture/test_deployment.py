"""docker-compose.yml stays valid and equivalent to `make run`."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml

from shared.launcher import SERVICE_PORTS, existing_services, service_environment
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def settings_keys(service: str) -> set[str]:
    """The settings a service reads: the common ones and its own (`services/<name>/settings.py`)."""
    module = importlib.import_module(f"services.{service}.settings")
    classes = [c for c in vars(module).values() if isinstance(c, type)
               and issubclass(c, ServiceSettings) and c.__module__ == module.__name__]
    fields = set(ServiceSettings.model_fields).union(*(c.model_fields for c in classes))
    return {f"ESA_{name.upper()}" for name in fields}


def test_compose_names_every_service_make_run_starts() -> None:
    services = compose()["services"]
    assert set(existing_services()) <= set(services)
    assert {"nats", "postgres"} <= set(services)


def test_compose_uses_the_same_ports_and_settings_keys() -> None:
    services = compose()["services"]
    for name in existing_services():
        known = settings_keys(name)
        env = services[name]["environment"]
        assert env["ESA_SERVICE_NAME"] == name
        assert int(env["ESA_HTTP_PORT"]) == SERVICE_PORTS[name]
        assert env["ESA_STORE"] == "postgres"
        assert set(env) <= known, f"{name}: unknown settings {set(env) - known}"
        local = {k for k in service_environment(name, "nats://x", ROOT / "var") if k.startswith("ESA_")}
        assert local <= set(env), f"{name}: make run sets {local - set(env)} that compose lacks"
        assert services[name]["command"][-1] == f"services.{name}.main"
        assert "healthcheck" in services[name]


def test_nats_runs_jetstream_with_the_committed_config() -> None:
    nats = compose()["services"]["nats"]
    assert "-js" in nats["command"]
    config = (ROOT / "infra" / "nats" / "nats-server.conf").read_text(encoding="utf-8")
    assert "sync_interval: always" in config


def test_no_secret_is_committed() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "${ESA_POSTGRES_PASSWORD:?" in text


def test_every_service_shares_the_office_key_and_client_registry() -> None:
    """Tokens issued by one service verify at all of them, and a revoked client is revoked
    everywhere: one key and one registry on a volume every service mounts."""
    services = compose()["services"]
    for name in existing_services():
        env, volumes = services[name]["environment"], services[name].get("volumes", [])
        auth_dir = "/var/lib/esa-auth"
        assert f"office-auth:{auth_dir}" in volumes, name
        for key in ("ESA_AUTH_SIGNING_KEY_FILE", "ESA_AUTH_PUBLIC_KEY_FILE", "ESA_AUTH_CLIENTS_FILE"):
            assert env[key].startswith(auth_dir + "/"), (name, key)
    assert "office-auth" in compose()["volumes"]
    dockerfile = (ROOT / "infra" / "docker" / "Dockerfile").read_text(encoding="utf-8")
    assert "/var/lib/esa-auth" in dockerfile, "the image owns the mount point (runs as nobody)"


def test_compose_and_make_run_have_the_same_witnesses(tmp_path: Path) -> None:
    """Monitoring witnesses every other service with an event store, the standalone witness
    every one of them, and each service trusts both: in compose as under `make run`."""
    import json

    from shared.launcher import WITNESSED, monitoring_witness_settings, witness_command

    services = compose()["services"]
    monitoring = services["monitoring"]["environment"]
    local = monitoring_witness_settings(SERVICE_PORTS)

    def names(entries: str) -> set[str]:
        return {entry.split("=", 1)[0] for entry in json.loads(entries)}

    witnessed_by_monitoring = names(monitoring["ESA_AUDIT_WITNESS_SERVICES"])
    assert witnessed_by_monitoring == names(local["ESA_AUDIT_WITNESS_SERVICES"])
    assert witnessed_by_monitoring == set(WITNESSED) - {"monitoring"}
    assert monitoring["ESA_AUDIT_WITNESS_NAME"] == local["ESA_AUDIT_WITNESS_NAME"] == "monitoring"
    assert monitoring["ESA_AUDIT_WITNESS_PUBLIC_KEY_OUT"] in {
        entry.split("=", 1)[1] for entry in json.loads(monitoring["ESA_AUDIT_WITNESS_KEYS"])}
    standalone = {arg.split("=", 2)[1] for arg in services["witness"]["command"]
                  if arg.startswith("--service=")}
    local_standalone = {arg.split("=", 2)[1] for arg in witness_command(
        list(SERVICE_PORTS), "nats://x", tmp_path) if arg.startswith("--service=")}
    assert standalone == local_standalone == set(WITNESSED)
    for name in existing_services():
        trusted = names(services[name]["environment"]["ESA_AUDIT_WITNESS_KEYS"])
        assert trusted == names(service_environment(name, "nats://x", ROOT / "var")[
            "ESA_AUDIT_WITNESS_KEYS"]) == {"witness-1", "monitoring"}, name
        assert any(v.startswith("witness-public:") for v in services[name]["volumes"]), name
