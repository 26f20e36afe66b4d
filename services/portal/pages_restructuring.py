"""Restructuring (procedure 9) in the portal: the school registry as it stood on any day (search,
filters, CSV), a school's page with its enrolment snapshots and history, the DMC enrolment file
upload (all rows or none: a refused file's rows and reasons shown as a table, in Thai), a school
entered by hand and one enrolment snapshot recorded on its page, and the cases of establishing,
merging, dissolving, transferring and expanding schools: opened from the list of cases, one form
for each kind, then the actions of their step."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from services.portal.records import (
    Action,
    Column,
    Field,
    ListView,
    RecordPage,
    RecordView,
    Table,
    decision_fields,
    events_timeline,
    handed_over,
    list_page,
    next_url,
    nonce_of,
    register,
    show_list,
    show_record,
)
from services.portal.security import PageRouter, check_csrf, load_session, portal_of, signed_in
from services.portal.service_client import Refused, Unavailable
from services.portal.sessions import Session
from services.portal.views import bangkok_today, render, thai_date

SERVICE = "restructuring"
GROUP = frozenset({"officer", "group_director"})
MAX_DMC_BYTES = 10 * 1024 * 1024
STATUS_OPTIONS = (("open", "เปิดสอน"), ("merged", "ยุบรวมแล้ว"), ("dissolved", "เลิกแล้ว"),
                  ("transferred", "โอนแล้ว"))
CASE_TYPE_OPTIONS = (("establish", "จัดตั้ง"), ("merge", "ยุบรวม"), ("dissolve", "เลิก"),
                     ("transfer_school", "โอน"), ("class_expansion", "ขยายชั้นเรียน"))
FIELD_TH = {"school_code": "รหัสโรงเรียน", "name_th": "ชื่อโรงเรียน", "district": "อำเภอ",
            "subdistrict": "ตำบล", "snapshot_date": "วันที่เก็บข้อมูล", "academic_year_be": "ปีการศึกษา",
            "term": "ภาคเรียน", "total": "รวม", "levels": "ระดับที่เปิดสอน",
            **{f"{grade}{n}": f"{name}{n}" for grade, name, last in
               (("k", "อ.", 3), ("p", "ป.", 6), ("m", "ม.", 6)) for n in range(1, last + 1)}}
CASE_EVENT_TH = {"Opened": "เปิดเรื่อง", "Studied": "ศึกษาสภาพปัจจุบัน",
                 "HearingRecorded": "รับฟังความคิดเห็น", "Proposed": "เสนอ กศจ.",
                 "Decided": "บันทึกมติ กศจ.", "Executed": "ดำเนินการตามมติ", "Withdrawn": "ยุติเรื่อง"}
SCHOOL_EVENT_TH = {"Registered": "ลงทะเบียนสถานศึกษา", "DetailsCorrected": "แก้ไขข้อมูล",
                   "EnrolmentRecorded": "บันทึกข้อมูลนักเรียน", "LevelsExpanded": "ขยายชั้นเรียน",
                   "Merged": "ยุบรวม", "PupilsReceived": "รับนักเรียนจากการยุบรวม", "Dissolved": "เลิก",
                   "Transferred": "โอนไปสังกัดอื่น"}
AGREED = (("true", "เห็นชอบ"), ("false", "ไม่เห็นชอบ"))
PREPARING = frozenset({"opened", "studied", "heard", "returned"})

ACTIONS = (
    Action("study", "บันทึกผลการศึกษาสภาพปัจจุบัน", "/cases/{id}/study", PREPARING, roles=GROUP,
           fields=(Field("school_age_population", "ประชากรวัยเรียน (คน)", "number"),
                   Field("travel_distance_km", "ระยะทางไปโรงเรียนที่รับ (กม.)", "number"),
                   Field("pupils_affected", "นักเรียนที่ได้รับผลกระทบ (คน)", "number",
                         hint="เว้นว่างเพื่อใช้จำนวนล่าสุดในทะเบียน"),
                   Field("summary_th", "สรุปผลการศึกษา", "textarea", required=True))),
    Action("hearing", "บันทึกการรับฟังความคิดเห็น", "/cases/{id}/hearing", PREPARING, roles=GROUP,
           fields=(Field("held_on", "วันที่รับฟัง", "date", required=True, default="today"),
                   Field("participants", "ผู้เข้าร่วม (คน)", "number", required=True),
                   Field("school_board_agreed", "คณะกรรมการสถานศึกษา", "select", options=AGREED),
                   Field("community_agreed", "ชุมชน", "select", required=True, options=AGREED),
                   Field("summary_th", "สรุปความคิดเห็น", "textarea", required=True))),
    Action("propose", "ตรวจและเสนอ กศจ.", "/cases/{id}/propose", frozenset({"studied", "heard",
                                                                          "returned"}),
           roles=frozenset({"group_director"})),
    Action("decision", "บันทึกมติ กศจ.", "/cases/{id}/decision", frozenset({"proposed"}),
           decision=True, fields=decision_fields(cites="resolution.document_id",
                                                 required_document=True)),
    Action("execute", "ดำเนินการตามมติ (เปลี่ยนแปลงทะเบียนสถานศึกษา)", "/cases/{id}/execute",
           frozenset({"approved"}), roles=frozenset({"esa_director"}),
           fields=(Field("effective_date", "วันที่มีผล", "date", required=True, default="today"),)),
    Action("withdraw", "ยุติเรื่องโดยไม่ดำเนินการ", "/cases/{id}/withdraw",
           frozenset({"opened", "studied", "heard", "returned", "rejected", "approved"}),
           roles=frozenset({"group_director", "esa_director"}), danger=True,
           fields=(Field("reason", "เหตุผล", "textarea", required=True),)),
)


async def load_case(request: Request, session: Session, case_id: str) -> RecordView:
    services = portal_of(request).services
    answer, history = await asyncio.gather(
        services.get(SERVICE, f"/cases/{case_id}", actor=session.officer_id),
        services.items(SERVICE, f"/cases/{case_id}/history", actor=session.officer_id))
    case = answer.data
    view = RecordView(SERVICE, "case", case.get("case_type_th") or "เรื่อง", case["title_th"],
                      f"/restructuring/cases/{case_id}", case, answer.etag,
                      badges=[(case["step_th"], "step")])
    view.facts = [("ประเภท", case.get("case_type_th")), ("ระเบียบที่ใช้", case.get("regulation_th")),
                  ("ขั้นตอน", case["step_th"]), ("ผู้ต้องดำเนินการ", case.get("holder_th")),
                  ("ตั้งแต่", thai_date(case.get("since"))),
                  ("โรงเรียนที่รับ", (case.get("receiving_school") or {}).get("name_th")),
                  ("วันที่มีผล", thai_date(case.get("effective_date")))]
    view.tables.append(Table("สถานศึกษาในเรื่องนี้", [
        Column("school_code", "รหัส", "link"), Column("name_th", "ชื่อ"),
        Column("pupils", "นักเรียน", "int"), Column("size_band_th", "ขนาด")], [
        {**s, "href": f"/restructuring/schools/{s.get('school_code')}"}
        for s in case.get("schools") or ()], id="case-schools"))
    view.tables.append(Table("การเสนอ กศจ. แต่ละรอบ", [
        Column("round", "รอบ", "int"), Column("proposed_at", "เสนอเมื่อ", "date"),
        Column("decision_th", "มติ"), Column("decided_on", "วันที่", "date"),
        Column("reason", "เหตุผล"), Column("resolution", "อ้างอิง")], [
        {**r, "resolution": (r.get("resolution") or {}).get("reference")
         if isinstance(r.get("resolution"), dict) else r.get("resolution")}
        for r in case.get("rounds") or ()], id="rounds", empty_th="ยังไม่เคยเสนอ กศจ."))
    for study in case.get("studies") or ():
        view.texts.append(("ผลการศึกษาสภาพปัจจุบัน", study.get("summary_th") or ""))
    for hearing in case.get("hearings") or ():
        view.texts.append((f"การรับฟังความคิดเห็น ({thai_date(hearing.get('held_on'))})",
                           hearing.get("summary_th") or ""))
    view.history = events_timeline(history, CASE_EVENT_TH)
    return view


async def load_school(request: Request, session: Session, code: str) -> RecordView:
    services = portal_of(request).services
    as_of = request.query_params.get("as_of") or None
    answer, snapshots, history = await asyncio.gather(
        services.get(SERVICE, f"/schools/{code}", actor=session.officer_id,
                     params={"as_of": as_of} if as_of else None),
        services.items(SERVICE, f"/schools/{code}/enrolment", actor=session.officer_id),
        services.items(SERVICE, f"/schools/{code}/history", actor=session.officer_id))
    school = answer.data
    view = RecordView(SERVICE, "school", "ทะเบียนสถานศึกษา", school["name_th"],
                      f"/restructuring/schools/{code}", school, answer.etag,
                      badges=[(school["status_th"], "step")])
    view.facts = [("รหัส", school["school_code"]), ("อำเภอ", school["district"]),
                  ("ตำบล", school["subdistrict"]), ("ระดับที่เปิดสอน", school.get("levels_th")),
                  ("นักเรียน", school.get("pupils")), ("ขนาด", school.get("size_band_th")),
                  ("ข้อมูล ณ วันที่", thai_date(school.get("as_of"))),
                  ("ข้อมูลนักเรียนล่าสุด", thai_date(school.get("latest_snapshot_date")))]
    view.tables.append(Table("ข้อมูลนักเรียน (DMC)", [
        Column("snapshot_date", "วันที่", "date"), Column("academic_year_be", "ปีการศึกษา"),
        Column("term", "ภาคเรียน"), Column("total", "นักเรียนรวม", "int"),
        Column("size_band", "ขนาด")], snapshots, id="snapshots"))
    view.history = events_timeline(history, SCHOOL_EVENT_TH)
    return view


LEVEL_OPTIONS = (("kindergarten", "อนุบาล"), ("primary", "ประถมศึกษา"),
                 ("lower_secondary", "มัธยมศึกษาตอนต้น"), ("upper_secondary", "มัธยมศึกษาตอนปลาย"))
SCHOOL_FIELDS = (Field("school_code", "รหัสโรงเรียน (8-10 หลัก)", required=True),
                 Field("name_th", "ชื่อโรงเรียน", required=True),
                 Field("name_en", "ชื่อภาษาอังกฤษ"),
                 Field("district", "อำเภอ", required=True),
                 Field("subdistrict", "ตำบล", required=True),
                 Field("levels", "ระดับที่เปิดสอน", "many", required=True, options=LEVEL_OPTIONS))
ENTER_SCHOOL = Action(
    "enter", "บันทึกโรงเรียนเข้าทะเบียน", "/schools", roles=GROUP, if_match=False,
    lands_on=lambda school: f"/restructuring/schools/{school['school_code']}",
    confirm_th="โรงเรียนส่วนใหญ่เข้าทะเบียนจากไฟล์ข้อมูลนักเรียน DMC: บันทึกด้วยมือเฉพาะโรงเรียนที่ยังไม่มีในไฟล์",
    fields=SCHOOL_FIELDS)
GRADES = tuple(f"{grade}{n}" for grade, last in (("k", 3), ("p", 6), ("m", 6))
               for n in range(1, last + 1))
RECORD_ENROLMENT = Action(
    "enrolment", "บันทึกข้อมูลนักเรียนรายโรงเรียน", "/schools/{id}/enrolment", frozenset({"open"}),
    step_field="status", roles=GROUP,
    confirm_th="ข้อมูล ณ วันที่ 10 มิถุนายน (ภาคเรียนที่ 1) หรือ 10 พฤศจิกายน (ภาคเรียนที่ 2) "
               "ใส่จำนวนเฉพาะชั้นที่เปิดสอน; บันทึกซ้ำวันเดิมคือแก้ไขข้อมูลของวันนั้น",
    fields=(Field("snapshot_date", "วันที่เก็บข้อมูล", "date", required=True),
            *(Field(g, f"นักเรียน {FIELD_TH[g]} (คน)", "number", path=f"pupils_by_grade.{g}")
              for g in GRADES)))


def _case_of(case_type: str) -> Any:
    return lambda _: {"case_type": case_type}


def _one_school(body: dict[str, Any]) -> dict[str, Any]:
    """Dissolve, transfer and class expansion name one school: the service takes a list."""
    return {**body, "school_codes": [body["school_codes"]]}


def _opened(case: Any) -> str:
    return f"/restructuring/cases/{case['case_id']}"


ONE_SCHOOL = Field("school_codes", "รหัสโรงเรียน", required=True)
CASE_TITLE = Field("title_th", "ชื่อเรื่อง", hint="เว้นว่างเพื่อให้ระบบตั้งชื่อจากโรงเรียน")
OPEN_CASES = (
    Action("open-merge", "เปิดเรื่องยุบรวมสถานศึกษา", "/cases", roles=GROUP, if_match=False,
           fixed=_case_of("merge"), lands_on=_opened,
           fields=(Field("school_codes", "รหัสโรงเรียนที่ถูกยุบรวม (บรรทัดละโรงเรียน)", "lines",
                         required=True),
                   Field("receiving_school_code", "รหัสโรงเรียนที่รับการยุบรวม", required=True),
                   CASE_TITLE)),
    Action("open-class-expansion", "เปิดเรื่องขยายชั้นเรียน", "/cases", roles=GROUP,
           if_match=False, fixed=_case_of("class_expansion"), lands_on=_opened,
           shape=_one_school,
           fields=(ONE_SCHOOL, Field("levels", "ระดับที่จะขยาย", "many", required=True,
                                     options=LEVEL_OPTIONS), CASE_TITLE)),
    Action("open-establish", "เปิดเรื่องจัดตั้งสถานศึกษา", "/cases", roles=GROUP, if_match=False,
           fixed=_case_of("establish"), lands_on=_opened,
           fields=(*(Field(f.name, f.label_th, f.kind, f.required, f.options,
                           path=f"new_school.{f.name}") for f in SCHOOL_FIELDS), CASE_TITLE)),
    Action("open-dissolve", "เปิดเรื่องเลิกสถานศึกษา", "/cases", roles=GROUP, if_match=False,
           fixed=_case_of("dissolve"), lands_on=_opened, shape=_one_school,
           fields=(ONE_SCHOOL, CASE_TITLE)),
    Action("open-transfer", "เปิดเรื่องโอนสถานศึกษา", "/cases", roles=GROUP, if_match=False,
           fixed=_case_of("transfer_school"), lands_on=_opened, shape=_one_school,
           fields=(ONE_SCHOOL, Field("to_authority", "โอนไปสังกัด", required=True,
                                     hint="เช่น องค์การบริหารส่วนจังหวัดขอนแก่น"), CASE_TITLE)),
)
CASE = register(RecordPage(SERVICE, "case", load_case, ACTIONS, OPEN_CASES))
SCHOOL = register(RecordPage(SERVICE, "school", load_school, (RECORD_ENROLMENT,),
                             (ENTER_SCHOOL,)))


def _rejected_rows(refused: Refused) -> list[dict[str, Any]]:
    """The rows a refused DMC file broke, one line per problem, in Thai."""
    rows = []
    for row in refused.extra.get("rejected") or ():
        for error in row.get("errors") or [{}]:
            rows.append({"row": row.get("row"), "school_code": row.get("school_code") or "—",
                         "field": FIELD_TH.get(error.get("field") or "", error.get("field") or "—"),
                         "message": error.get("message_th") or error.get("message_en") or ""})
    return rows


def create_router() -> PageRouter:
    router = PageRouter(prefix="/restructuring", dependencies=[Depends(load_session)])

    @router.get("/schools")
    async def schools(request: Request, as_of: str = "", status: str = "", district: str = "",
                      q: str = "", session: Session = Depends(signed_in)) -> Response:
        params = {"as_of": as_of or None, "district": district or None,
                  "status": status if status in dict(STATUS_OPTIONS) else None}
        page, problem = await list_page(request, session, SERVICE, "/schools", params=params, q=q,
                                        search=("school_code", "name_th", "district"))
        rows = [{**s, "href": f"/restructuring/schools/{s['school_code']}"
                          + (f"?as_of={as_of}" if as_of else "")}
                for s in (page.items if page else [])]
        table = Table("ทะเบียนสถานศึกษา", [
            Column("school_code", "รหัส", "link"), Column("name_th", "ชื่อโรงเรียน"),
            Column("district", "อำเภอ"), Column("subdistrict", "ตำบล"),
            Column("levels_th", "ระดับที่เปิดสอน"), Column("pupils", "นักเรียน", "int"),
            Column("size_band_th", "ขนาด"), Column("status_th", "สถานะ")], rows, id="schools")
        day = as_of or bangkok_today().isoformat()
        return show_list(request, ListView(
            f"ทะเบียนสถานศึกษา ณ วันที่ {thai_date(day)}", SERVICE, table, [
                Field("as_of", "ณ วันที่", "date"), Field("status", "สถานะ", "select",
                                                          options=STATUS_OPTIONS),
                Field("district", "อำเภอ"), Field("q", "ค้นหา (รหัส ชื่อ อำเภอ ตำบล)")],
            {"as_of": as_of, "status": status, "district": district, "q": q},
            page.total if page else None, next_url(request, page),
            links=[(f"/restructuring/schools.csv?as_of={day}", "ดาวน์โหลด CSV"),
                   ("/restructuring/import", "นำเข้าข้อมูลนักเรียน DMC"),
                   *SCHOOL.opening_links(session, "/restructuring/schools")], problem=problem))

    @router.get("/schools.csv")
    async def schools_csv(request: Request, as_of: str = "",
                          session: Session = Depends(signed_in)) -> Response:
        return await handed_over(request, session, SERVICE, "/schools", "schools.csv",
                                 params={"format": "csv", **({"as_of": as_of} if as_of else {})})

    @router.get("/schools/{code}")
    async def school(request: Request, code: str,
                     session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, SCHOOL, code)

    @router.get("/cases")
    async def cases(request: Request, case_type: str = "", closed: str = "",
                    session: Session = Depends(signed_in)) -> Response:
        params = {"case_type": case_type if case_type in dict(CASE_TYPE_OPTIONS) else None,
                  "closed": closed if closed in ("true", "false") else None}
        page, problem = await list_page(request, session, SERVICE, "/cases", params=params)
        rows = [{**c, "href": f"/restructuring/cases/{c['case_id']}"}
                for c in (page.items if page else [])]
        table = Table("เรื่องจัดตั้ง ยุบ รวม เลิก โอน และขยายชั้นเรียน", [
            Column("title_th", "เรื่อง", "link"), Column("case_type_th", "ประเภท"),
            Column("step_th", "ขั้นตอน"), Column("holder_th", "ผู้ต้องดำเนินการ"),
            Column("since", "ตั้งแต่", "date")], rows, id="cases")
        return show_list(request, ListView(
            "เรื่องจัดตั้ง ยุบ รวม เลิก และโอนสถานศึกษา", SERVICE, table, [
                Field("case_type", "ประเภท", "select", options=CASE_TYPE_OPTIONS),
                Field("closed", "สถานะ", "select",
                      options=(("false", "ยังไม่ปิด"), ("true", "ปิดแล้ว")))],
            {"case_type": case_type, "closed": closed}, page.total if page else None,
            next_url(request, page), links=CASE.opening_links(session, "/restructuring/cases"),
            problem=problem))

    @router.get("/cases/{case_id}")
    async def case(request: Request, case_id: str,
                   session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, CASE, case_id)

    # --- the DMC enrolment file --------------------------------------------------------------------
    @router.get("/import")
    async def import_form(request: Request, session: Session = Depends(signed_in)) -> Response:
        return render(request, "dmc_import.html", nav=SERVICE)

    @router.post("/import", dependencies=[Depends(check_csrf)])
    async def import_file(request: Request, session: Session = Depends(signed_in)) -> Response:
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return render(request, "dmc_import.html", status_code=422, nav=SERVICE,
                          alert="กรุณาเลือกไฟล์ข้อมูลนักเรียน (CSV หรือ Excel)")
        content = await upload.read(MAX_DMC_BYTES + 1)
        if len(content) > MAX_DMC_BYTES:
            return render(request, "dmc_import.html", status_code=413, nav=SERVICE,
                          alert="ไฟล์ใหญ่เกิน 10 MB", filename=upload.filename)
        try:
            answer = await portal_of(request).services.upload(
                SERVICE, "/schools/import", actor=session.officer_id, filename=upload.filename,
                content=content, media_type=upload.content_type or "text/csv",
                idempotency_key=nonce_of(form))
        except Refused as refused:
            return render(request, "dmc_import.html", status_code=refused.status, nav=SERVICE,
                          alert=refused.extra.get("message_th") or refused.message_th,
                          rejected=_rejected_rows(refused), filename=upload.filename,
                          counts=refused.extra.get("counts"))
        except Unavailable as down:
            return render(request, "dmc_import.html", status_code=503, nav=SERVICE,
                          alert=down.message_th, filename=upload.filename)
        return render(request, "dmc_import.html", nav=SERVICE, result=answer.data,
                      filename=upload.filename)

    return router
