"""รออนุมัติ, for directors: one queue of everything waiting for a decision in any service (plans,
allocations, analyses, budget requests, transfers, external funding, restructuring cases,
inspection recommendations, evaluations, news, agenda items), read from the same sources as
งานของฉัน (`pages_work.collect_work`) and kept to the steps the catalogue marks as decisions.

Each item opens in place (htmx loads its panel: what is needed to decide, such as the allocation
table and its total, a transfer's lines and the rule table's verdict, a plan's projects and
budget, and the decision's form with the registered resolution to cite); without JavaScript it is
one click to the record's page. After deciding the director comes back to the queue."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import Response

from services.portal.catalogue import DIRECTORS, kind_of
from services.portal.pages_work import collect_work
from services.portal.records import REGISTRY, record_context
from services.portal.security import PageRouter, load_session, signed_in
from services.portal.service_client import Refused, Unavailable
from services.portal.sessions import Session
from services.portal.views import render

QUEUE = "/decisions"


def create_router() -> PageRouter:
    router = PageRouter(prefix=QUEUE, dependencies=[Depends(load_session)])

    async def decisions(request: Request, session: Session, template: str) -> Response:
        if not DIRECTORS & session.roles:
            return render(request, "error.html", status_code=403,
                          message="รายการรออนุมัติเป็นของผู้อำนวยการ ท่านดูงานของท่านได้ที่งานของฉัน")
        work = await collect_work(request, session)
        items = [i for i in work.items if i["decision"]]
        problems = [c for c in work.counts if c.get("problem")]
        # The record just decided: the board learns of it a moment later (the list then updates
        # itself); meanwhile it is shown as decided, not offered again.
        return render(request, template, nav="decisions", items=items, problems=problems,
                      done=request.query_params.get("done"),
                      decided=request.query_params.get("record"))

    @router.get("")
    async def queue(request: Request, session: Session = Depends(signed_in)) -> Response:
        return await decisions(request, session, "decisions.html")

    @router.get("/list")
    async def queue_list(request: Request, session: Session = Depends(signed_in)) -> Response:
        return await decisions(request, session, "_decisions_list.html")

    @router.get("/panel/{service}/{case_type}/{record_id}")
    async def panel(request: Request, service: str, case_type: str, record_id: str,
                    session: Session = Depends(signed_in)) -> Response:
        kind = kind_of(service, case_type)
        page = REGISTRY.get(kind.record) if kind else None
        if kind is None or page is None:
            return render(request, "_problem.html", status_code=404,
                          message="ไม่พบหน้าของรายการนี้ในพอร์ทัล")
        try:
            view = await page.load(request, session, record_id.partition(":")[0])
        except (Refused, Unavailable) as error:
            return render(request, "_problem.html", message=error.message_th)
        context = await record_context(request, session, page, view, return_to=QUEUE)
        return render(request, "_decision_panel.html", **context)

    return router
