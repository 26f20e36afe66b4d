"""Property-based API fuzzing (schemathesis on top of Hypothesis) of every service, from its own
OpenAPI document: requests that fit the schema and requests that do not, sent with the office
portal's token (every scope) as one of the office's officers.

Properties, for every request:
- the answer conforms to the OpenAPI document: its status is one the operation declares, and its
  body fits the declared schema (schemathesis's `status_code_conformance` and
  `response_schema_conformance`);
- no 5xx (the operations routes that need NATS may say 503, and so may `/ready`, which counts
  the consumers' backlog: component tests do not start NATS);
- a rejected request (4xx) changes nothing: after it, the store holds no new event except the
  `AccessRefused` of its refusal (the audit trail of access is the one thing a refusal records).
That every route refuses a request without a token is `tests/contracts/test_openapi.py`'s.

The services are those `make run` starts (`services.openapi.service_names()`), so a service added
later is fuzzed too; `SEEDS` gives a service some data to reach deeper (optional). The counts are
printed and written to `fuzz-<service>.json` in the test's tmp dir (`pytest -s` shows them).
Examples per operation and mode: `ESA_FUZZ_EXAMPLES` (default 5, so that `make test` stays short
on two cores; raise it for a deeper run).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from services.openapi import service_app, service_names
from shared.testing import office_client, state_changes_since
from tests.support.staff import position_th

EXAMPLES = int(os.environ.get("ESA_FUZZ_EXAMPLES", "5"))
NEVER_ENDING = {("GET", "/feed")}  # a live feed answers forever; its input is tested elsewhere


def seed_correspondence(client: TestClient) -> dict[str, Any]:
    """A staff directory and one registered letter, so that commands meet real records."""
    staff = [("esa-1", ["esa_director", "signer"], "top_secret"), ("clerk-1", ["clerk"], "secret"),
             ("dir-1", ["group_director"], "secret"), ("off-1", ["officer"], "none")]
    for officer_id, roles, clearance in staff:
        client.post("/officers", headers={"X-Actor-Id": "esa-1"}, json={
            "officer_id": officer_id, "name_th": officer_id, "position_th": position_th(officer_id),
            "roles": roles, "clearance": clearance}).raise_for_status()
    document = client.post("/documents/incoming", headers={"X-Actor-Id": "clerk-1"}, json={
        "received_at": "2026-11-27T09:30:00+07:00", "sender": "สพฐ.", "subject": "ทดสอบ",
        "body_text": "เนื้อหา"})
    document.raise_for_status()
    return {"actors": [s[0] for s in staff], "path": {
        "document_id": document.json()["document_id"], "officer_id": "off-1", "year_be": 2569}}


def seed_monitoring(client: TestClient) -> dict[str, Any]:
    """The office's staff, an approved action plan tracked, a round of inspection with a
    recommendation, an evaluation: commands meet real records, by real officers."""
    from eventsourcing.persistence import Tracking

    from contracts.envelope import AnyEnvelope
    from services.monitoring.handlers import observer
    from shared.office.testing import STANDARD_STAFF, teach
    from shared.settings import PROJECT_ROOT

    app = client.app.state.runtime.app  # type: ignore[attr-defined]
    teach(app, STANDARD_STAFF)
    approved = AnyEnvelope.model_validate_json((PROJECT_ROOT / "contracts" / "examples" /
                                                "planning.action_plan.approved.v1.json").read_text())
    handle = observer(app)
    app.execute(lambda: (None, handle(approved)), tracking=Tracking("planning", 1))
    plan_id = approved.data["plan_id"]
    round_ = client.post("/inspections", headers={"X-Actor-Id": "off-1"}, json={
        "fiscal_year_be": 2568, "title_th": "ตรวจราชการ", "inspector_th": "ผู้ตรวจราชการ",
        "scheduled_on": "2024-01-01", "issues": [{"code": "I1", "title_th": "การอ่าน"}]}).json()
    etag = client.get(f"/inspections/{round_['round_id']}").headers["ETag"]
    recommendation = client.post(f"/inspections/{round_['round_id']}/recommendations", headers={
        "X-Actor-Id": "off-1", "If-Match": etag}, json={"issue_code": "I1", "text_th": "ปรับ"})
    evaluation = client.post("/evaluations/action-plan", headers={"X-Actor-Id": "off-1"},
                             json={"plan_id": plan_id})
    return {"actors": ["off-1", "dir-1", "esa-1", "clerk-1"], "path": {
        "plan_id": plan_id, "round_id": round_["round_id"],
        "recommendation_id": recommendation.json()["recommendation_id"],
        "evaluation_id": evaluation.json()["evaluation_id"]}}


SEEDS: dict[str, Callable[[TestClient], dict[str, Any]]] = {
    "correspondence": seed_correspondence, "monitoring": seed_monitoring}


@dataclass
class Tally:
    service: str
    requests: int = 0
    unsendable: int = 0  # generated values no HTTP client can put on the wire (e.g. a header)
    no_negative_cases: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        return {"service": self.service, "requests": self.requests, "unsendable": self.unsendable,
                "operations_without_negative_cases": self.no_negative_cases,
                "statuses": dict(sorted(self.statuses.items())), "failures": len(self.failures),
                "first_failures": self.failures[:5]}


def send(client: TestClient, case: Any, actor: str | None) -> httpx.Response:
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    headers = {k: v for k, v in kwargs.pop("headers").items()
               if not k.lower().startswith("x-schemathesis")}
    if actor and "x-actor-id" not in {k.lower() for k in headers}:
        headers["X-Actor-Id"] = actor
    kwargs.pop("cookies", None)
    return client.request(headers=headers, **kwargs)


# What the OpenAPI document says is what the service answers: every status it declares (with
# its problem+json schema), and bodies of the declared schemas.
CONFORMANCE = [status_code_conformance, response_schema_conformance]


def check(tally: Tally, store: Any, method: str, path: str, mode: str,
          exchange: Callable[[], httpx.Response], case: Any = None) -> None:
    before = store.max_notification_id()
    try:
        response = exchange()
    except (UnicodeEncodeError, TypeError, ValueError, httpx.InvalidURL):
        tally.unsendable += 1
        return
    if case is not None and str(case.media_type).startswith("multipart/"):
        # schemathesis cannot read back a streamed upload it sent: the status alone is checked.
        documented = case.operation.definition.raw.get("responses", {})
        if str(response.status_code) not in documented:
            tally.failures.append(f"{mode} {method} {path} -> {response.status_code} is not "
                                  f"declared ({', '.join(sorted(documented))})")
    elif case is not None:
        try:
            case.validate_response(response, checks=CONFORMANCE)
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - reported
            tally.failures.append(f"{mode} {method} {path} -> {response.status_code} does not "
                                  f"conform: {' '.join(str(failure).split())[:300]}")
    tally.requests += 1
    status = response.status_code
    tally.statuses[f"{status // 100}xx"] += 1
    problem = None
    if status >= 500 and not (status == 503 and (path.startswith("/admin/") or path == "/ready")):
        problem = f"{status}: {response.text[:200]}"
    elif 400 <= status < 500 and (changed := state_changes_since(store, before)):
        problem = f"{status} but recorded {changed}"
    if problem:
        tally.failures.append(f"{mode} {method} {path} -> {problem}")


def fuzz(tally: Tally, store: Any, client: TestClient, operation: Any, mode: Any,
         known: dict[str, Any]) -> None:
    """Send one operation's generated examples of one mode and check every answer."""
    method, path = operation.method.upper(), operation.path
    cases = operation.as_strategy(mode)
    fixed = {p: v for p, v in known["path"].items() if p in re.findall(r"{(\w+)}", path)}
    if fixed:  # half the time, records that exist
        cases = cases | operation.as_strategy(mode, path_parameters=fixed)
    actors = st.sampled_from(known["actors"]) if known["actors"] else st.none()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=cases, actor=actors)
    def run(case: Any, actor: str | None) -> None:
        check(tally, store, method, path, str(mode), lambda: send(client, case, actor), case)

    try:
        run()
    except Unsatisfiable:
        tally.no_negative_cases += 1  # nothing in the operation can be wrong (e.g. GET /health)


@pytest.mark.parametrize("name", service_names())
def test_fuzzing_finds_no_5xx_and_no_state_change_on_rejected_input(name: str,
                                                                    tmp_path: Path) -> None:
    with service_app(name, tmp_path / "var") as api:
        client = office_client(api)
        known = SEEDS[name](client) if name in SEEDS else {"actors": [], "path": {}}
        store = api.state.runtime.app
        tally = Tally(name)
        operations = [result.ok() for result in
                      schemathesis.openapi.from_dict(api.openapi()).get_all_operations()]
        operations = [o for o in operations if (o.method.upper(), o.path) not in NEVER_ENDING]
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                fuzz(tally, store, client, operation, mode, known)

        report = tally.report()
        (tmp_path / f"fuzz-{name}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
        print(f"\nfuzz {name}: {json.dumps(report, ensure_ascii=False)}")
        assert tally.requests >= 3 * len(operations), "most generated requests reach the service"
        assert tally.failures == [], "\n".join(tally.failures[:20])
