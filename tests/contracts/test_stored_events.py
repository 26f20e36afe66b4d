"""Every event name ever stored still decodes, and no event changes shape without a new version.

The golden file (`tests/golden/stored-events.json`, `shared.stored_events`) keeps one stored example
per name: the module-path names written before names were pinned, and the pinned ones. Each example
is decoded with today's classes, through the upcasters of its version. Every pinned event class has
its entry, with the fields and version it has today: a field changed without a new `class_version`
fails here, and so does a class moved away from a name without `formerly=`."""

from __future__ import annotations

import orjson
import pytest
from eventsourcing.domain import CanInitAggregate
from eventsourcing.utils import resolve_topic

from shared.eventstore import OrjsonTranscoder, decode_event, decode_stored
from shared.stored_events import current_events, differences, import_everything, load_golden

import_everything()  # a stored name resolves once the module that pins it is imported
GOLDEN = load_golden()
EXAMPLES = sorted({**GOLDEN["legacy"],
                   **{name: entry["example"] for name, entry in GOLDEN["pinned"].items()
                      if "example" in entry}}.items())


@pytest.mark.parametrize("name,state", EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_every_stored_example_decodes_with_todays_code(name: str, state: dict) -> None:
    event_class = resolve_topic(name)
    event = decode_event(event_class, dict(state))
    assert event.originator_version >= 1
    # As the mapper decodes it from the stored bytes (pydantic reading the JSON, when stored at
    # today's first version): the same event.
    assert decode_stored(event_class, orjson.dumps(state), OrjsonTranscoder()) == event
    if isinstance(event, CanInitAggregate):  # the aggregate it creates is found too
        aggregate = event.mutate(None)
        assert aggregate is not None and aggregate.version == 1


def test_every_event_class_is_in_the_golden_file_with_its_fields_and_version() -> None:
    assert differences(GOLDEN, current_events()) == []


def test_the_golden_file_keeps_every_name_stored_before_names_were_pinned() -> None:
    assert len(GOLDEN["legacy"]) >= 150, "the names stored by the first versions are kept"
    assert all(":" in name for name in GOLDEN["legacy"])
