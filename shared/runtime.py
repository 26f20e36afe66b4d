"""One service process: its application, the outbox relay, the idempotent consumer and the HTTP API,
started and stopped together (the FastAPI lifespan)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.sse import EventSourceResponse
from faststream.nats import NatsBroker
from nats.aio.client import Client as NatsClient

from shared.audit.api import create_audit_router
from shared.audit.guard import RECEIPT_HEADERS
from shared.audit.publisher import AuditPublisher, witness_keys_from
from shared.audit.selfcheck import SelfCheck
from shared.auth import PUBLIC, authorize
from shared.auth.install import install_auth
from shared.auth.scopes import required_scope
from shared.consumer import IdempotentConsumer, Subscription
from shared.deadletters import publishing_dead_letters
from shared.eventstore import ServiceApplication
from shared.http.context import RequestContextMiddleware
from shared.http.paging import Paging
from shared.http.problems import (
    declare_problem_responses,
    install_problem_handlers,
    problem_response,
)
from shared.http.routes import api_routes
from shared.logging import configure_logging, get_logger
from shared.messaging import ConnectionWatch, connect
from shared.office.api import create_directory_router, create_rights_router, enforce_rights
from shared.office.learning import LearnedDirectory
from shared.office.rights import DecisionRights
from shared.relay import OutboxRelay, Translator
from shared.settings import ServiceSettings

log = get_logger(__name__)


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        app: ServiceApplication,
        *,
        translate: Translator | None = None,
        subscriptions: Sequence[Subscription] = (),
        periodic: Sequence[tuple[float, Callable[[], Any]]] = (),
    ) -> None:
        self.settings = settings
        self.app = app
        # Every relay also publishes the service's dead letters (`shared.deadletters`).
        self.translate = publishing_dead_letters(settings.service_name, translate) \
            if translate is not None or subscriptions else None
        self.subscriptions = subscriptions
        # Every service's log is an audit trail: a tree signed in every transaction
        # (app.audit), published for witnesses, and checked by the service itself (shared/audit).
        self.audit = app.audit
        self.witness_keys = witness_keys_from(settings.audit_witness_keys)
        self.audit_publisher: AuditPublisher | None = None
        self.self_check = SelfCheck(
            app.audit, app.audit_guard, interval=settings.audit_check_seconds,
            scan_batch=settings.audit_scan_batch, rescan_seconds=settings.audit_rescan_seconds,
            witnessed=lambda: self.audit_publisher.witnessed() if self.audit_publisher else {})
        self.periodic = list(periodic)
        self._periodic_tasks: list[asyncio.Task[None]] = []
        self._witness_task: asyncio.Task[None] | None = None
        self.client: NatsClient | None = None
        self.broker: NatsBroker | None = None
        self.relay: OutboxRelay | None = None
        self.consumer: IdempotentConsumer | None = None
        self._relay_task: asyncio.Task[None] | None = None
        self.closing = asyncio.Event()
        self.loop: asyncio.AbstractEventLoop | None = None

    @property
    def uses_nats(self) -> bool:
        """Every process with an audited event store connects, if only to publish its signed
        heads for the witnesses (the office portal: accounts and sign-ins); a process with no
        store of its own and nothing to publish or consume never does."""
        return self.translate is not None or bool(self.subscriptions) or self.audit is not None

    async def start(self) -> None:
        # Set when the service starts shutting down: live feeds and the relay end at once.
        self.closing = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        consistent = True
        if self.uses_nats:
            self.client = await connect(self.settings.nats_url, name=self.settings.service_name)
            self.audit_publisher = AuditPublisher(
                self.app.audit, self.app.audit_guard, self.client,
                witness_keys=self.witness_keys, recorder=self.app.process_recorder)
            # The stream's last head against the store, and the witnessed heads against the
            # store, before anything is published: a rolled-back store raises the alarm instead.
            consistent = await self.audit_publisher.start(self.closing)
        # Before serving, only the quick checks (O(log n)): the head, the tail, the witnessed
        # heads. The pass over the whole store is linear in the history, so it runs in the
        # background once the service is up (shared.audit.selfcheck); a finding stops writes.
        await asyncio.to_thread(self.self_check.check_quick)
        self._witness_task = self._start_witness()
        if self.translate is not None and consistent:
            self.relay = OutboxRelay(
                self.app,
                self.translate,
                self.client,
                publish_timeout=self.settings.publish_timeout_seconds,
            )
            self._relay_task = asyncio.create_task(self.relay.run(self.closing),
                                                   name="outbox-relay")
        if self.subscriptions:
            watch = ConnectionWatch(f"{self.settings.service_name}-consumer").options()
            self.broker = NatsBroker(self.settings.nats_url, logger=None, graceful_timeout=5,
                                     **{k: v for k, v in watch.items() if k != "name"})
            self.consumer = IdempotentConsumer(
                self.app,
                self.broker,
                self.settings.service_name,
                self.subscriptions,
                max_deliver=self.settings.consumer_max_deliver,
                ack_wait_seconds=self.settings.consumer_ack_wait_seconds,
            )
            await self.broker.start()
        # The persisted lists resume from where they were (a new or rebuilt one catches up now).
        await asyncio.to_thread(self.app.read_models.start)
        self.self_check.start()
        for seconds, job in self.periodic:
            self._periodic_tasks.append(asyncio.create_task(_every(seconds, job)))
        log.info("service started", relay=self.relay is not None, sources=len(self.subscriptions))

    def _start_witness(self) -> asyncio.Task[None] | None:
        """This service witnesses others too when its settings name them (`audit_witness_*`):
        the same library as the standalone witness, its own key and state under var/witness/."""
        settings = self.settings
        if not settings.audit_witness_services:
            return None
        from shared.audit.witness import Witness, WitnessProcess, WitnessStore, http_proofs
        from shared.audit.witness_main import witness_signer
        from shared.auth.client import ClientCredentials

        name = settings.audit_witness_name or settings.service_name
        urls = dict(entry.split("=", 1) for entry in settings.audit_witness_services)
        client_id = settings.audit_witness_client_id or name
        folder = settings.var_dir / "witness"
        secret = settings.audit_witness_client_secret.get_secret_value() \
            if settings.audit_witness_client_secret else None
        if not secret:  # the office's own witness: its client provisioned in the registry
            from shared.auth.clients import ClientRegistry

            secret = ClientRegistry(settings.clients_path).provision(
                client_id=client_id, agency=f"พยานตรวจสอบบันทึก (audit witness {name})",
                scopes=[f"{service}:audit" for service in urls],
                secret_path=folder / f"{client_id}.secret")
        auth = ClientCredentials(client_id, secret) if secret else None
        proofs, keys = http_proofs(urls, auth)
        signer = witness_signer(None, folder / f"{name}.ed25519")
        if settings.audit_witness_public_key_out is not None:  # for the services to trust it
            from shared.keyfiles import write_atomically

            write_atomically(settings.audit_witness_public_key_out,
                             signer.public_key_document()["public_key_pem"].encode(), 0o644)
        witness = Witness(name, signer, WitnessStore(folder / f"{name}.sqlite3"), proofs,
                          service_keys=keys)
        process = WitnessProcess(witness, settings.nats_url, services=list(urls))
        return asyncio.create_task(process.run(self.closing), name="audit-witness")

    def connected_consumer(self) -> tuple[IdempotentConsumer, NatsClient]:
        if self.consumer is None or self.client is None or not self.client.is_connected:
            raise HTTPException(503, "not connected to NATS")
        return self.consumer, self.client

    async def stop(self) -> None:
        """Stop consuming, stop publishing, close the store; whatever NATS is doing meanwhile
        (it may be stopping too), nothing is lost: positions are in the store."""
        self.closing.set()
        self.self_check.stop()
        if self._witness_task is not None:
            await _quietly(self._witness_task, "stopping the witness")
        if self.audit_publisher is not None:
            await _quietly(self.audit_publisher.stop(), "stopping the audit publisher")
        for task in self._periodic_tasks:
            task.cancel()
        if self.broker is not None:
            await _quietly(self.broker.stop(), "stopping the consumer")
        if self._relay_task is not None:
            self._relay_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay_task
        if self.client is not None:
            await _quietly(self.client.close(), "closing the NATS connection")
        self.app.close()
        log.info("service stopped")

    @contextlib.asynccontextmanager
    async def lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()


def _freeze_startup_objects() -> None:
    """Keep what start-up made (modules, schemas, routes, the application: ~180,000 objects)
    out of the cyclic collector: they live as long as the process. A full collection then walks
    only what came after. Before, each took 70-125 ms at ten years of history, 170 of them in one
    benchmark run, each holding up every request in flight on the event loop (benchmarks/README.md,
    "Full collections")."""
    gc.collect()  # what start-up left as garbage is not kept for ever
    gc.freeze()


async def _every(seconds: float, job: Callable[[], Any]) -> None:
    """Run a (blocking) job in a worker thread every `seconds`; a failure is logged, not fatal."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(job)
        except Exception as error:  # noqa: BLE001 - the next round tries again
            log.error("periodic job failed", job=getattr(job, "__name__", repr(job)),
                      error=repr(error))


async def _quietly(step: Any, what: str) -> None:
    try:
        await asyncio.wait_for(step, timeout=5)
    except Exception as error:  # noqa: BLE001 - shutdown goes on; the cause is logged
        log.warning("shutdown step failed", step=what, error=repr(error))


def create_http_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    decision_rights: DecisionRights,
    **fastapi_kwargs: Any,
) -> FastAPI:
    """The FastAPI app of a service: problem+json errors, request context, the OAuth2 gate on
    every route (its token endpoint, scopes in the OpenAPI document), health, the auditor's API
    (`/audit/*`, scope `<service>:audit`), its routers.

    Every route, the service's own and any added later, needs a token with a scope
    (`shared.auth.scopes`): `<service>:admin` under /admin/, `<service>:audit` under /audit/,
    `<service>:read` for GET, `<service>:write` otherwise, unless the route states another with
    `openapi_extra=requires_scope(...)` or is `PUBLIC`.

    Every route that changes state is run under its entry in `decision_rights`, the service's one
    table of who may act (`shared.office.rights`); the table is served at `/decision-rights`, and
    a service that learns the staff directory from correspondence serves it at `/officers`."""
    settings = runtime.settings
    service = settings.service_name
    api = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=runtime.lifespan,
        **{**fastapi_kwargs,
           "dependencies": [Depends(authorize), Depends(enforce_rights),
                            *fastapi_kwargs.get("dependencies", ())]},
    )
    api.state.runtime = runtime
    api.state.decision_rights = decision_rights
    install_problem_handlers(api)
    api.add_middleware(RequestContextMiddleware, audit_warning=runtime.app.audit_guard.warning)
    install_auth(api, settings, runtime.app)

    @api.get("/health", tags=["operations"], summary="Liveness and positions", openapi_extra=PUBLIC)
    def health() -> dict[str, Any]:
        # Degraded, not down: it serves, but a message it was sent did not do its work (a dead
        # letter not replayed yet), or its events are not reaching the others (the relay), or
        # it refuses writes because its history does not match its audit trail.
        parked = runtime.app.dead_letters.count()
        fault = runtime.app.audit_guard.fault
        degraded = bool(runtime.relay and runtime.relay.last_error) or bool(parked) \
            or fault is not None
        return {
            "service": service,
            "status": "degraded" if degraded else "ok",
            "store": settings.store,
            "notification_position": runtime.app.max_notification_id(),
            "relay_position": runtime.relay.published_position if runtime.relay else None,
            "relay_error": runtime.relay.last_error if runtime.relay else None,
            # None where the process has no use for NATS (no store, nothing to publish).
            "nats_connected": (bool(runtime.client and runtime.client.is_connected)
                               if runtime.uses_nats else None),
            "dead_letters": parked,
            "oldest_dead_letter": runtime.app.dead_letters.oldest() if parked else None,
            "audit_fault": fault.reason if fault else None,
        }

    @api.get("/ready", tags=["operations"], openapi_extra=PUBLIC,
             summary="Readiness: every list caught up with the store, every consumer with its "
                     "stream, the store matching its signed audit trail (503 otherwise, with the "
                     "reason); /health is liveness",
             responses={503: {"description": "Not ready yet, with what is behind"}})
    async def ready() -> Any:
        audit = runtime.self_check.status()
        lists = await asyncio.to_thread(runtime.app.read_models.status)
        consumers: dict[str, Any] = {}
        if runtime.consumer is not None:
            try:
                if runtime.client is None or not runtime.client.is_connected:
                    raise ConnectionError("not connected to NATS")
                consumers = await runtime.consumer.backlog(runtime.client)
            except Exception as error:  # noqa: BLE001 - not ready, and why
                consumers = {"error": repr(error)}
        ready = lists["caught_up"] and lists["error"] is None and "error" not in consumers \
            and not any(consumers.values()) and audit["ok"]
        status = {"service": service, "ready": ready, "read_models": lists,
                  "consumers_waiting": consumers, "audit": audit}
        if not ready:  # an error like any other, with what is behind beside the problem's fields
            return problem_response(503, "not-ready", "ระบบยังไม่พร้อม: รายการหรือผู้รับข้อความยังตามไม่ทัน",
                                    "Not ready: a list or a consumer has not caught up", **status)
        return status

    if runtime.subscriptions:  # operators' routes: /admin/ needs <service>:admin
        @api.get("/admin/dead-letters", tags=["operations"],
                 summary="Messages parked after failing, in parking order (paged: the cursor is "
                         "the last dead-letter sequence given)")
        async def dead_letters(paging: Paging) -> dict[str, Any]:
            consumer, client = runtime.connected_consumer()
            letters = await consumer.list_dead_letters(client, after=paging.number_after(),
                                                       limit=paging.limit + 1)
            return paging.answer_read(letters, key=lambda letter: [letter["deadletter_sequence"]],
                                      total=None)

        @api.post("/admin/dead-letters/replay", tags=["operations"],
                  summary="Apply parked messages again, in order, each at most once")
        async def replay_dead_letters() -> dict[str, int]:
            consumer, client = runtime.connected_consumer()
            return await consumer.replay_dead_letters(client)

    api.include_router(create_rights_router(decision_rights))
    if isinstance(runtime.app.directory, LearnedDirectory):
        api.include_router(create_directory_router(runtime.app))
    def audit_status() -> dict[str, Any]:  # with every loss of history accepted after a restore
        return {**runtime.self_check.status(),
                "accepted_losses": [loss.as_dict() for loss in runtime.audit.losses()]}

    api.include_router(create_audit_router(runtime.audit, audit_status))
    for router in routers:
        api.include_router(router)
    _declare_problems(api, service)
    return api


def _declare_problems(api: FastAPI, service: str) -> None:
    """The OpenAPI document lists every problem each route can answer (and the event streams as
    event streams), so generated clients and conformance checks agree with the service."""
    generate = api.openapi

    def is_public(method: str, route: Any) -> bool:
        return required_scope(service, method, route.path, route.openapi_extra) is None

    def openapi() -> dict[str, Any]:
        if not getattr(api.state, "problems_declared", False):
            routes = list(api_routes(api))
            sse = {r.path for r in routes if r.response_class is EventSourceResponse}
            api.openapi_schema = _declare_receipts(
                declare_problem_responses(generate(), routes, is_public, sse))
            api.state.problems_declared = True
        return api.openapi_schema  # type: ignore[return-value]

    api.openapi = openapi  # type: ignore[method-assign]


def _declare_receipts(schema: dict[str, Any]) -> dict[str, Any]:
    """Every successful answer to a write carries its audit receipt (shared.audit.guard)."""
    headers = {name: {"description": text, "schema": {"type": "string"}}
               for name, text in RECEIPT_HEADERS.items()}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if method.upper() in ("GET", "HEAD") or not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if str(status).startswith("2") and isinstance(response, dict):
                    response.setdefault("headers", {}).update(headers)
    return schema


def serve(api: FastAPI, settings: ServiceSettings) -> None:
    """Run a service's HTTP app until SIGTERM/Ctrl-C (the process's own entry point)."""
    import uvicorn

    configure_logging(settings.service_name, settings.log_level)
    runtime: ServiceRuntime = api.state.runtime

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            # Live feeds never end by themselves and uvicorn waits for open requests before it
            # shuts the app down: tell them first, so a stop does not wait for every browser.
            if runtime.loop is not None:  # from the signal handler: through the loop
                runtime.loop.call_soon_threadsafe(runtime.closing.set)
            super().handle_exit(sig, frame)

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)  # the lifespan's start first: the service is up
            _freeze_startup_objects()  # the process's own: not an app under test among others

    config = uvicorn.Config(api, host=settings.http_host, port=settings.http_port,
                            timeout_graceful_shutdown=5,
                            log_config=None)  # our JSON logging, configured above
    Server(config).run()
