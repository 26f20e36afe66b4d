"""Contracts: committed schemas match the models, golden examples validate, producers emit them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from contracts.catalog import all_events
from contracts.envelope import AnyEnvelope, Envelope
from contracts.generate import EXAMPLES, audit_messages, expected_files

EVENT_KEYS = sorted(all_events())


def test_committed_schemas_and_asyncapi_match_the_models() -> None:
    stale = [
        str(path.name)
        for path, text in expected_files().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], f"run `make contracts`: {stale} differ from the models"


@pytest.mark.parametrize("key", EVENT_KEYS)
def test_every_event_type_has_a_golden_example_that_validates(key: str) -> None:
    path = EXAMPLES / f"{key}.json"
    assert path.exists(), f"missing golden example {path.name}"
    example = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads((Path(EXAMPLES.parent) / "schemas" / f"{key}.json").read_text(encoding="utf-8"))
    jsonschema.validate(example, schema)
    model = all_events()[key]
    envelope = Envelope[model].model_validate(example)  # type: ignore[valid-type]
    assert envelope.type == model.EVENT_TYPE
    # A consumer that does not know the payload model still reads the envelope.
    assert AnyEnvelope.model_validate(example).id == envelope.id


@pytest.mark.parametrize("key", sorted(audit_messages()))
def test_every_audit_message_has_a_golden_example_that_validates(key: str) -> None:
    """The audit trail's messages (alarms, accepted losses) are not envelopes: the example is
    the message itself."""
    path = EXAMPLES / f"{key}.json"
    assert path.exists(), f"missing golden example {path.name}"
    example = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads((Path(EXAMPLES.parent) / "schemas" / f"{key}.json").read_text(encoding="utf-8"))
    jsonschema.validate(example, schema)
    audit_messages()[key].model_validate(example)


def test_no_example_without_a_model() -> None:
    orphans = {p.stem for p in EXAMPLES.glob("*.json")} - set(EVENT_KEYS) - set(audit_messages())
    assert orphans == set()
