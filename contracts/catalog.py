"""Every published integration event, by type: the one list that schemas, examples, AsyncAPI and
the contract tests are checked against."""

from __future__ import annotations

from importlib import import_module

from contracts.envelope import IntegrationEvent

# One module per service and version; add a module here when a service publishes a new version.
CONTRACT_MODULES = (
    "contracts.budgeting.v1",
    "contracts.correspondence.v1",
    "contracts.monitoring.v1",
    "contracts.operations.v1",
    "contracts.planning.v1",
    "contracts.restructuring.v1",
)


def all_events() -> dict[str, type[IntegrationEvent]]:
    events: dict[str, type[IntegrationEvent]] = {}
    for name in CONTRACT_MODULES:
        for model in import_module(name).EVENTS:
            key = f"{model.EVENT_TYPE}.v{model.EVENT_VERSION}"
            if key in events:
                raise ValueError(f"two contract models claim {key}")
            events[key] = model
    return events
