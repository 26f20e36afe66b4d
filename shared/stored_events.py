"""The names and shapes of every event the services store: what the golden file records.

An event store outlives its code. Every stored event type has a stable name (`stored_as` on its
aggregate, `shared.domain`) and a version of its fields (`class_version`); the golden file
`tests/golden/stored-events.json` lists every name ever stored (the module-path names written
before names were pinned, and the pinned ones) with one stored example each, and for each pinned
name the version and fields of today's class. `tests/contracts/test_stored_events.py` decodes every
example with today's code and fails when a class's fields changed without a new version (and an
upcaster for the old one), or when an event type has no entry.

    python -m shared.stored_events            # what differs between the code and the golden file
    python -m shared.stored_events --update   # record today's versions and fields (keeps examples)

Examples are recorded from a test run: `ESA_RECORD_STORED_EVENTS=<dir> pytest ...` makes the
test suite's event stores write one example per stored name into `<dir>`;
`python -m shared.stored_events --update --examples <dir>...` adds those missing from the file.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from pathlib import Path
from typing import Any

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import TopicError, resolve_topic

from shared.domain import Aggregate, pinned_classes, stored_name
from shared.settings import PROJECT_ROOT

GOLDEN = PROJECT_ROOT / "tests" / "golden" / "stored-events.json"
PACKAGES = ("shared", "services")


def import_everything() -> None:
    """Every module of the project's packages, so that every aggregate class is defined."""
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if module.name.endswith(("__main__", ".main", "launcher")):
                continue
            importlib.import_module(module.name)


def field_shapes(event_class: type) -> dict[str, Any]:
    """The fields of an event class as stored (JSON Schema of each, sorted): what must not change
    without a new version."""
    schema = event_class.model_json_schema(mode="serialization")  # type: ignore[attr-defined]
    return {"properties": schema.get("properties", {}), "required": sorted(schema.get("required", [])),
            "defs": schema.get("$defs", {})}


def current_events() -> dict[str, dict[str, Any]]:
    """Every pinned event class now: its stored name → class version and fields."""
    import_everything()
    return {
        name: {"class": f"{cls.__module__}:{cls.__qualname__}",
               "class_version": cls.class_version,  # type: ignore[attr-defined]
               "fields": field_shapes(cls)}
        for cls, name in sorted(pinned_classes().items(), key=lambda item: item[1])
        if issubclass(cls, CanMutateAggregate) and not _unused_created(cls)
        and cls.__module__.split(".")[0] in PACKAGES  # not a test's or a benchmark's own
    }


def _unused_created(cls: type) -> bool:
    """eventsourcing gives every aggregate a copy of its base's `Created`; one that adds no field
    is never triggered (each aggregate's own creation event is)."""
    return cls.__name__ == "Created" and set(cls.model_fields) == set(  # type: ignore[attr-defined]
        Aggregate.Created.model_fields)


def load_golden(path: Path = GOLDEN) -> dict[str, Any]:
    if not path.exists():
        return {"pinned": {}, "legacy": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def recorded_examples(*directories: Path) -> dict[str, dict[str, Any]]:
    """Examples recording test runs wrote: stored name → stored state. A pinned name the runs did
    not store takes the example of the module-path name it replaced, stored as the event store
    stores it now (the aggregate's class by its stable name too)."""
    examples: dict[str, dict[str, Any]] = {}
    for directory in directories:
        for file in sorted(directory.glob("*.json")):
            record = json.loads(file.read_text(encoding="utf-8"))
            examples.setdefault(record["topic"], record["state"])
    for topic, state in list(examples.items()):
        if ":" not in topic:
            continue
        try:
            pinned = stored_name(resolve_topic(topic))
        except TopicError:
            continue  # a class that is gone: the test will say so
        if pinned != topic and pinned not in examples:
            converted = dict(state)
            if "originator_topic" in converted:
                converted["originator_topic"] = stored_name(
                    resolve_topic(converted["originator_topic"]))
            examples[pinned] = converted
    return examples


def update(golden: dict[str, Any], current: dict[str, dict[str, Any]],
           examples: dict[str, dict[str, Any]]) -> dict[str, Any]:
    pinned = golden.setdefault("pinned", {})
    legacy = golden.setdefault("legacy", {})
    for name, now in current.items():
        entry = pinned.setdefault(name, {})
        entry.update(class_version=now["class_version"], fields=now["fields"], **{
            "class": now["class"]})
        if "example" not in entry and name in examples:
            entry["example"] = examples[name]
    for topic, state in examples.items():
        if ":" in topic and topic not in legacy \
                and topic.split(".")[0] in PACKAGES:  # a module-path name: stored before pinning
            legacy[topic] = state
    golden["pinned"] = dict(sorted(pinned.items()))
    golden["legacy"] = dict(sorted(legacy.items()))
    return golden


def differences(golden: dict[str, Any], current: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    pinned = golden.get("pinned", {})
    for name, now in current.items():
        entry = pinned.get(name)
        if entry is None:
            found.append(f"{name}: not in the golden file (run --update with examples)")
            continue
        if "example" not in entry:
            found.append(f"{name}: no stored example")
        if entry.get("class_version") != now["class_version"]:
            found.append(f"{name}: version {now['class_version']}, the golden file has "
                         f"{entry.get('class_version')} (run --update)")
        elif entry.get("fields") != now["fields"]:
            found.append(f"{name}: its fields changed but its class_version did not: give it "
                         f"class_version {now['class_version'] + 1} and an upcast_v"
                         f"{now['class_version']}_v{now['class_version'] + 1}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.stored_events",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--examples", type=Path, nargs="*", default=[],
                        help="directories recording test runs wrote")
    args = parser.parse_args(argv)
    golden = load_golden()
    current = current_events()
    if args.update:
        examples = recorded_examples(*args.examples)
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(update(golden, current, examples), ensure_ascii=False,
                                     indent=1, sort_keys=True) + "\n", encoding="utf-8")
        golden = load_golden()
    found = differences(golden, current)
    for line in found:
        print(line)
    print(f"{len(current)} event types pinned, {len(golden.get('legacy', {}))} legacy names kept; "
          f"{len(found)} difference(s)")
    return 1 if found and not args.update else 0


if __name__ == "__main__":
    sys.exit(main())


def record_examples(directory: Path) -> None:
    """From now on, in this process, every event stored also leaves one example per stored name in
    `directory` (the test suite turns this on with ESA_RECORD_STORED_EVENTS)."""
    import hashlib

    import orjson

    from shared.eventstore import PydanticMapper

    directory.mkdir(parents=True, exist_ok=True)
    store = PydanticMapper.to_stored_event

    def to_stored_event(self: PydanticMapper, domain_event: Any) -> Any:
        stored = store(self, domain_event)
        path = directory / (hashlib.sha1(stored.topic.encode()).hexdigest() + ".json")
        if not path.exists():
            state = self.transcoder.decode(stored.state)
            path.write_bytes(orjson.dumps({"topic": stored.topic, "state": state}))
        return stored

    PydanticMapper.to_stored_event = to_stored_event  # type: ignore[method-assign]
