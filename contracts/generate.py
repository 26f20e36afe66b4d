"""Generate the committed JSON Schemas and the AsyncAPI document from the contract models.

`make contracts` rewrites `contracts/schemas/*.json` and `contracts/asyncapi.json`; a contract test
fails when the committed files and the models disagree, so a change to a contract is always visible
in review.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contracts.audit.v1 import MESSAGES as AUDIT_MESSAGES
from contracts.catalog import all_events
from contracts.envelope import SUBJECT_PREFIX, Envelope

HERE = Path(__file__).resolve().parent
SCHEMAS = HERE / "schemas"
EXAMPLES = HERE / "examples"
ASYNCAPI = HERE / "asyncapi.json"


def envelope_schema(key: str) -> dict[str, Any]:
    model = all_events()[key]
    schema = Envelope[model].model_json_schema(mode="serialization")  # type: ignore[valid-type]
    schema["$id"] = f"https://esa.example/contracts/{key}.json"
    schema["title"] = key
    return schema


def audit_messages() -> dict[str, Any]:
    """The audit trail's messages (not envelopes), by key: `audit.alarm.v1`, ..."""
    return {model.KEY: model for model in AUDIT_MESSAGES}  # type: ignore[attr-defined]


def audit_schema(key: str) -> dict[str, Any]:
    schema = audit_messages()[key].model_json_schema(mode="serialization")
    schema["$id"] = f"https://esa.example/contracts/{key}.json"
    schema["title"] = key
    return schema


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _message(key: str, model: Any, headers: dict[str, Any]) -> dict[str, Any]:
    """One message of the AsyncAPI document: its schema, its first docstring line as title."""
    return {
        "name": key,
        "title": model.__doc__.strip().splitlines()[0] if model.__doc__ else key,
        "contentType": "application/json",
        "payload": {"$ref": f"schemas/{key}.json"},
        "headers": {"type": "object", "properties": headers},
    }


def asyncapi_document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for key, model in all_events().items():
        name = key.replace(".", "_")
        messages[name] = _message(key, model, {
            "Nats-Msg-Id": {"type": "string", "description": "<service>:<aggregate id>:<version>"},
            "Esa-Trace-Id": {"type": "string"},
        })
        channels[name] = {
            "address": f"{SUBJECT_PREFIX}.{model.EVENT_TYPE}",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"publish_{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}"},
        }
    for key, model in audit_messages().items():
        name = key.replace(".", "_")
        messages[name] = _message(key, model, {"Nats-Msg-Id": {"type": "string"}})
        channels[name] = {
            "address": model.SUBJECT,
            "parameters": {"service": {"description": "the service whose log it is about"}},
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"publish_{name}"] = {"action": "send", "channel": {"$ref": f"#/channels/{name}"}}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "ESA Policy and Planning Group — integration events",
            "version": "1.0.0",
            "description": "Events between the five services and towards the central office (OBEC). "
            "Transport: NATS JetStream, one stream per service (`esa.<service>.>`), message id "
            "`<service>:<aggregate id>:<version>` for deduplication.",
        },
        "defaultContentType": "application/json",
        "servers": {"local": {"host": "127.0.0.1:4222", "protocol": "nats"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def expected_files() -> dict[Path, str]:
    files = {SCHEMAS / f"{key}.json": render(envelope_schema(key)) for key in all_events()}
    files.update({SCHEMAS / f"{key}.json": render(audit_schema(key)) for key in audit_messages()})
    files[ASYNCAPI] = render(asyncapi_document())
    return files


def main() -> None:
    SCHEMAS.mkdir(exist_ok=True)
    files = expected_files()
    for stale in set(SCHEMAS.glob("*.json")) - set(files):
        stale.unlink()
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files under {HERE}")


if __name__ == "__main__":
    main()
