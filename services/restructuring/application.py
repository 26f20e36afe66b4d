"""The restructuring application: the school registry and restructuring cases over the event store.

Each command loads what it needs, lets the domain decide, and saves every changed aggregate in one
transaction (`ServiceApplication.execute`): an enrolment file is recorded whole or not at all, and
a case's execution changes its schools together with the case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from contracts.restructuring.v1 import CaseType, SchoolStatus, SizeBand
from contracts.vocabulary import Decision, SchoolLevel
from services.restructuring.domain import (
    CaseNotFound,
    EnrolmentSnapshot,
    FieldRequired,
    Resolution,
    RestructuringCase,
    RestructuringError,
    School,
    SchoolAlreadyRegistered,
    SchoolDetails,
    SchoolNotFound,
    check_snapshot,
    enrolment_snapshot,
    levels_of,
    school_code,
)
from services.restructuring.importing import ImportRow, read_rows
from services.restructuring.projections import (
    CASE_COLUMNS,
    CASE_INDEXES,
    RECEIVING_OPTIONS_SHOWN,
    RECEIVING_SCOPES,
    REGISTRY_INDEXES,
    REGISTRY_SQL_COLUMNS,
    REPORT_ORDER,
    as_of,
    case_row,
    case_view,
    on_day,
    registry_periods,
    school_row,
    small_school_entry,
    small_schools_summary,
    snapshot_view,
)
from services.restructuring.settings import RestructuringSettings
from shared.context import current_actor
from shared.domain import Aggregate
from shared.eventstore import ServiceApplication, check_version
from shared.history import history_page
from shared.http.paging import PageRequest
from shared.office.directory import name_th_of
from shared.office.documents import RegisteredDocument, cite
from shared.office.learning import LearnedDocuments
from shared.thaitime import bangkok_date, utc_now

Idempotency = tuple[str, str, str] | None


def registry_where(day: date, *, district: str | None = None, subdistrict: str | None = None,
                   status: SchoolStatus | None = None, size_band: SizeBand | None = None,
                   small: bool | None = None, text: str | None = None) -> dict[str, Any]:
    """The registry's rows on `day` that match: status, size band and the small-school flag as
    they were that day; `text` in the code or a name."""
    where: dict[str, Any] = {**on_day(day), **{column: value for column, value in (
        ("district", district), ("subdistrict", subdistrict), ("status", status),
        ("size_band", size_band), ("small", small)) if value is not None}}
    if text:
        where["search__contains"] = text
    return where


class ImportRejected(RestructuringError):
    """Some rows break a rule: the file is refused whole (all or nothing), each row says why."""

    code = "import-rejected"
    title_th = "ไฟล์มีข้อมูลที่ไม่ถูกต้อง จึงไม่ได้บันทึกข้อมูลใด ๆ จากไฟล์นี้"
    title_en = "Rows of the file break the rules; nothing from the file was recorded"


class DuplicateRow(RestructuringError):
    code = "duplicate-row"
    title_th = "ข้อมูลซ้ำในไฟล์"
    title_en = "The same school and date appear twice in the file"


class DetailsDifferInFile(RestructuringError):
    code = "details-differ-in-file"
    title_th = "ชื่อหรือที่ตั้งของโรงเรียนเดียวกันไม่ตรงกันในไฟล์"
    title_en = "The same school has different names or location within the file"


class RestructuringApplication(ServiceApplication):
    name = "restructuring"  # pinned: it names the stored data
    # A school lives as long as the registry: two enrolment snapshots a year, and whatever cases
    # do to it. Loading one reads its latest snapshot and the events after it.
    snapshotting_intervals = {School: 10}

    def __init__(
        self,
        settings: RestructuringSettings,
        *,
        clock: Callable[[], datetime] = utc_now,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(settings, env)
        self.settings: RestructuringSettings = settings
        self.clock = clock
        # Lists, reports and exports read these tables in restructuring's database
        # (`shared.readmodels`); nothing loads every school or case.
        self.schools = self.read_models.listing(
            "schools", of=(School,), row=registry_periods, many=True,
            columns=REGISTRY_SQL_COLUMNS, indexes=REGISTRY_INDEXES,
            version=2)  # v2: the search finds a school by its district and subdistrict too
        self.cases = self.read_models.listing("cases", of=(RestructuringCase,), row=case_row,
                                              columns=CASE_COLUMNS, indexes=CASE_INDEXES)
        self.documents = LearnedDocuments(self)

    def today(self) -> date:
        return bangkok_date(self.clock())

    # --- loading ------------------------------------------------------------------------------------
    def school(self, code: str) -> School:
        code = school_code(code)
        found = self.get(School, School.create_id(code))
        if found is None:
            raise SchoolNotFound(code, school_code=code,
                                 message_th=f"ไม่พบโรงเรียนรหัส {code} ในทะเบียน")
        return found

    def case(self, case_id: UUID) -> RestructuringCase:
        found = self.get(RestructuringCase, case_id)
        if found is None:
            raise CaseNotFound(str(case_id))
        return found

    # --- the registry: commands ---------------------------------------------------------------------
    def register_school(self, *, code: str, details: SchoolDetails, levels: Sequence[SchoolLevel],
                        idempotency: Idempotency = None) -> dict[str, Any]:
        """Enter an existing school by hand (one the DMC files have not brought yet)."""
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            checked = school_code(code)
            if self.get(School, School.create_id(checked)) is not None:
                raise SchoolAlreadyRegistered(checked, school_code=checked)
            school = School.register(code=checked, details=details, levels=levels)
            return school_row(school, self.today()), [school]

        return self.execute(decide, idempotency=idempotency)

    def record_enrolment(self, code: str, *, snapshot_date: date, pupils_by_grade: dict[str, int],
                         academic_year_be: int | None, term: int | None,
                         expected_version: int | None = None,
                         idempotency: Idempotency = None) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            today = self.today()
            school = self.school(code)
            check_version(school, expected_version)
            snapshot = enrolment_snapshot(snapshot_date, pupils_by_grade,
                                          academic_year_be=academic_year_be, term=term,
                                          today=today)
            outcome = school.record_enrolment(snapshot, today)
            row = school_row(school, today)
            row["outcome"] = outcome
            return row, [school]

        return self.execute(decide, idempotency=idempotency)

    def import_enrolment(self, content: bytes, *, idempotency: Idempotency = None) -> dict[str, Any]:
        """Import a DMC enrolment file (CSV or .xlsx): all rows or none. Importing the same file
        again records nothing and answers `unchanged` for every row."""
        rows = read_rows(content, max_rows=self.settings.max_import_rows)

        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            return _Import(self, rows, self.today()).run()

        return self.execute(decide, idempotency=idempotency)

    # --- the registry: queries ----------------------------------------------------------------------
    def registry(self, paging: PageRequest, day: date, **filters: Any) -> dict[str, Any]:
        """A page of the registry as it stood on `day`, by school code (`registry_where`)."""
        return self.schools.page(paging, registry_where(day, **filters),
                                 order_by=("school_code",), view=as_of(day))

    def whole_registry(self, day: date, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every school of the selection as it stood on `day`, by code (what an export writes)."""
        line = as_of(day)
        for row in self.schools.stream(registry_where(day, **filters), order_by=("school_code",)):
            yield line(row["view"])

    def school_summary(self, code: str, day: date | None = None) -> dict[str, Any]:
        return school_row(self.school(code), day or self.today())

    def enrolment_of(self, code: str, paging: PageRequest) -> dict[str, Any]:
        """A page of the school's enrolment snapshots, oldest first."""
        school = self.school(code)
        return paging.page((school.snapshots[d] for d in sorted(school.snapshots)),
                           key=lambda s: (s.snapshot_date.isoformat(),), view=snapshot_view)

    def school_history(self, code: str, paging: PageRequest) -> dict[str, Any]:
        return history_page(self, self.school(code), paging)

    def small_schools(self, paging: PageRequest, day: date, *, district: str | None = None,
                      subdistrict: str | None = None) -> dict[str, Any]:
        """The small-school report on `day`: its heading (counts over the whole registry) and a
        page of its small schools, by district, subdistrict and code."""
        summary, where = self._small_schools(day, district, subdistrict)
        return {**summary, **self.schools.page(paging, where, order_by=REPORT_ORDER,
                                               view=self.small_school_entries(day))}

    def whole_small_schools(self, day: date, *, district: str | None = None,
                            subdistrict: str | None = None
                            ) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
        """The report's heading and every one of its small schools (what the export writes)."""
        summary, where = self._small_schools(day, district, subdistrict)
        entry = self.small_school_entries(day)
        return summary, (entry(row["view"])
                         for row in self.schools.stream(where, order_by=REPORT_ORDER))

    def _small_schools(self, day: date, district: str | None, subdistrict: str | None
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
        opened = {**on_day(day), "status": SchoolStatus.open}
        small = {**opened, "small": True}
        receiving_districts = self._districts_with_receivers(day)
        summary = small_schools_summary(
            day, open_schools=self.schools.count(opened),
            without_enrolment=self.schools.count({**opened, "pupils": None}),
            small_schools=self.schools.count(small),
            merger_candidates=self.schools.count({**small, "district__in": receiving_districts}))
        chosen = {**small, **{k: v for k, v in (("district", district),
                                                 ("subdistrict", subdistrict)) if v}}
        return summary, chosen

    def small_school_entries(self, day: date) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """Builds a report entry from a small school's registry line, with its receiving
        options (looked up once per subdistrict and district of the request)."""
        found: dict[tuple[str, ...], list[dict[str, Any]]] = {}

        def receivers(view: dict[str, Any], scope: str) -> list[dict[str, Any]]:
            place = (view["district"], view["subdistrict"]) if scope == "subdistrict" \
                else (view["district"],)
            if place not in found:
                where = {**on_day(day), "status": SchoolStatus.open, "small": False,
                         **dict(zip(("district", "subdistrict"), place, strict=False))}
                found[place] = self.schools.views(where, order_by=("pupils_rank", "school_code"),
                                                  limit=RECEIVING_OPTIONS_SHOWN + 1)
            return [r for r in found[place] if r["school_code"] != view["school_code"]]

        def entry(view: dict[str, Any]) -> dict[str, Any]:
            for scope in RECEIVING_SCOPES:
                options = receivers(view, scope)
                if options:
                    return small_school_entry(view, scope, options[:RECEIVING_OPTIONS_SHOWN])
            return small_school_entry(view, None, [])

        return entry

    def _districts_with_receivers(self, day: date) -> list[str]:
        """Districts with an open school that is not small on `day`: one indexed look-up per
        district, not a row per school."""
        where = {**on_day(day), "status": SchoolStatus.open, "small": False}
        districts: list[str] = []
        while found := self.schools.select({**where, "district__gt": districts[-1] if districts
                                            else ""}, order_by=("district",), limit=1):
            districts.append(found[0]["district"])
        return districts

    # --- cases ----------------------------------------------------------------------------------
    def open_case(self, *, case_type: CaseType, school_codes: Sequence[str],
                  receiving_code: str | None, new_school: tuple[str, SchoolDetails] | None,
                  to_authority: str | None, levels: Sequence[SchoolLevel],
                  title_th: str | None, officer_name_th: str | None,
                  idempotency: Idempotency = None) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            today = self.today()
            actor = current_actor()
            common: dict[str, Any] = dict(
                officer_id=actor, officer_name_th=name_th_of(self.directory, actor, officer_name_th),
                at=self.clock(), title_th=title_th)
            codes = list(dict.fromkeys(school_code(c) for c in school_codes))
            match CaseType(case_type):
                case CaseType.merge:
                    if not receiving_code:
                        raise FieldRequired("receiving_school_code is required",
                                            field="receiving_school_code",
                                            message_th="ต้องระบุโรงเรียนที่รับการยุบรวม")
                    case = RestructuringCase.open_merge(
                        absorbed=[self.school(c) for c in codes],
                        receiving=self.school(receiving_code), today=today, **common)
                case CaseType.establish:
                    if new_school is None:
                        raise FieldRequired("new_school is required", field="new_school",
                                            message_th="ต้องระบุข้อมูลโรงเรียนที่จะจัดตั้ง")
                    code, details = new_school
                    case = RestructuringCase.open_establish(
                        code=code, details=details, levels=levels,
                        existing=self.get(School, School.create_id(code.strip())), **common)
                case other:
                    if len(codes) != 1:
                        raise FieldRequired("exactly one school_code", field="school_codes",
                                            message_th="ต้องระบุโรงเรียนหนึ่งแห่ง")
                    school = self.school(codes[0])
                    if other == CaseType.dissolve:
                        case = RestructuringCase.open_dissolve(school=school, today=today, **common)
                    elif other == CaseType.transfer_school:
                        case = RestructuringCase.open_transfer(
                            school=school, to_authority=to_authority or "", today=today, **common)
                    else:
                        case = RestructuringCase.open_class_expansion(
                            school=school, levels=levels, today=today, **common)
            return case_view(case), [case]

        return self.execute(decide, idempotency=idempotency)

    def _on_case(self, case_id: UUID, expected_version: int | None, idempotency: Idempotency,
                 act: Callable[[RestructuringCase, str, datetime, date], Sequence[Aggregate] | None],
                 ) -> dict[str, Any]:
        """Load the case, check If-Match, act, save the case and whatever else changed together."""
        def act_now(case: RestructuringCase) -> Sequence[Aggregate] | None:
            at = self.clock()
            return act(case, current_actor(), at, bangkok_date(at))

        return self.update(lambda: self.case(case_id), act_now, case_view,
                           expected_version=expected_version, idempotency=idempotency)

    def record_study(self, case_id: UUID, *, school_age_population: int | None,
                     travel_distance_km: Decimal | None, pupils_affected: int | None,
                     summary_th: str, expected_version: int | None = None,
                     idempotency: Idempotency = None) -> dict[str, Any]:
        """The study; the pupils affected default to what the registry holds for the schools
        the case would change."""
        def act(case: RestructuringCase, by: str, at: datetime, today: date) -> None:
            pupils = pupils_affected
            if pupils is None:
                pupils = sum(self.school(ref.code).state_on(today).pupils or 0
                             for ref in case.schools)
            case.record_study(by=by, school_age_population=school_age_population,
                              travel_distance_km=travel_distance_km, pupils_affected=pupils,
                              summary_th=summary_th, at=at)

        return self._on_case(case_id, expected_version, idempotency, act)

    def record_hearing(self, case_id: UUID, *, held_on: date, participants: int,
                       school_board_agreed: bool | None, community_agreed: bool, summary_th: str,
                       expected_version: int | None = None,
                       idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_case(case_id, expected_version, idempotency,
                             lambda case, by, at, today: case.record_hearing(
                                 by=by, held_on=held_on, participants=participants,
                                 school_board_agreed=school_board_agreed,
                                 community_agreed=community_agreed, summary_th=summary_th,
                                 today=today, at=at))

    def propose(self, case_id: UUID, *, expected_version: int | None = None,
                idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_case(case_id, expected_version, idempotency,
                             lambda case, by, at, today: case.propose(by=by, today=today, at=at))

    def decide(self, case_id: UUID, *, decision: Decision, decided_on: date, reason: str | None,
               resolution_document_id: UUID | None, expected_version: int | None = None,
               idempotency: Idempotency = None) -> dict[str, Any]:
        """The provincial committee's decision, citing its resolution by the reference
        correspondence registered it under (never as the caller typed it)."""
        return self._on_case(case_id, expected_version, idempotency,
                             lambda case, by, at, today: case.decide(
                                 by=by, decision=decision, decided_on=decided_on, reason=reason,
                                 resolution=self._cite(resolution_document_id), today=today,
                                 at=at))

    def _cite(self, document_id: UUID | None) -> Resolution | None:
        if document_id is None:
            return None
        return cite(self.get(RegisteredDocument, RegisteredDocument.create_id(document_id)),
                    document_id)

    def execute_case(self, case_id: UUID, *, effective_date: date,
                     expected_version: int | None = None,
                     idempotency: Idempotency = None) -> dict[str, Any]:
        """Carry out the approved case: its schools change in the same transaction."""
        def act(case: RestructuringCase, by: str, at: datetime, today: date) -> list[Aggregate]:
            schools = {code: self.school(code) for code in case.school_codes}
            if case.new_school is not None:
                existing = self.get(School, School.create_id(case.new_school.code))
                if existing is not None:
                    schools[existing.code] = existing
            return list(case.execute(schools=schools, effective_date=effective_date, at=at))

        return self._on_case(case_id, expected_version, idempotency, act)

    def withdraw(self, case_id: UUID, *, reason: str, expected_version: int | None = None,
                 idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_case(case_id, expected_version, idempotency,
                             lambda case, by, at, today: case.withdraw(by=by, reason=reason, at=at))

    def case_summary(self, case_id: UUID) -> dict[str, Any]:
        return case_view(self.case(case_id))

    def list_cases(self, paging: PageRequest, *, case_type: CaseType | None = None,
                   step: str | None = None, fiscal_year_be: int | None = None,
                   closed: bool | None = None, holder: str | None = None,
                   school_code: str | None = None, text: str | None = None) -> dict[str, Any]:
        """A page of cases, oldest first."""
        where: dict[str, Any] = {column: value for column, value in (
            ("case_type", case_type), ("step", step), ("fiscal_year_be", fiscal_year_be),
            ("closed", closed), ("holder", holder)) if value is not None}
        if school_code:
            where["schools__contains"] = f",{school_code},"
        if text:
            where["title_th__contains"] = text
        return self.cases.page(paging, where, order_by=("opened_at",))

    def case_history(self, case_id: UUID, paging: PageRequest) -> dict[str, Any]:
        return history_page(self, self.case(case_id), paging)


class _Import:
    """One enrolment file, row by row, against the registry: collects every row's outcome or
    problems; any problem refuses the file whole (nothing is saved)."""

    def __init__(self, app: RestructuringApplication, rows: Sequence[ImportRow], today: date):
        self.app = app
        self.rows = rows
        self.today = today
        self.touched: dict[str, School] = {}
        self.registered: set[str] = set()
        self.seen: dict[tuple[str, date], int] = {}
        self.details_seen: dict[str, tuple[int, SchoolDetails]] = {}
        # A school new to the registry teaches the levels its pupils are in, in any row of the file.
        self.levels_in_file: dict[str, set[SchoolLevel]] = {}
        for row in rows:
            grades = {g: n for g, n in row.pupils_by_grade.items() if isinstance(n, int) and n > 0}
            self.levels_in_file.setdefault(row.school_code.strip(), set()).update(levels_of(grades))

    def run(self) -> tuple[dict[str, Any], list[Aggregate]]:
        results: list[dict[str, Any]] = []
        rejected: list[dict[str, Any]] = []
        for row in self.rows:
            outcome, errors = self._row(row)
            entry = {"row": row.row_number, "school_code": row.school_code,
                     "snapshot_date": row.snapshot_date.isoformat() if row.snapshot_date else None,
                     "outcome": "rejected" if errors else outcome}
            results.append(entry)
            if errors:
                rejected.append({**entry, "errors": [e.as_row_error() for e in errors]})
        counts = {kind: sum(1 for r in results if r["outcome"] == kind)
                  for kind in ("new", "updated", "unchanged", "rejected")}
        if rejected:
            raise ImportRejected(
                f"{len(rejected)} of {len(results)} rows rejected; nothing recorded "
                "(all or nothing per file)", rows=len(results), counts=counts, rejected=rejected,
                message_th=f"ข้อมูล {len(rejected)} แถวจาก {len(results)} แถวไม่ถูกต้อง "
                           "ไม่ได้บันทึกข้อมูลใด ๆ จากไฟล์นี้ โปรดแก้ไขแล้วนำเข้าใหม่ทั้งไฟล์")
        summary = {
            "rows": len(results),
            **counts,
            "schools_registered": len(self.registered),
            "all_or_nothing": True,
            "results": results,
        }
        return summary, list(self.touched.values())

    def _row(self, row: ImportRow) -> tuple[str, list[RestructuringError]]:
        errors: list[RestructuringError] = list(row.problems)
        try:
            code = school_code(row.school_code)
        except RestructuringError as error:
            return "rejected", [*errors, error]
        details: SchoolDetails | None = None
        try:
            details = SchoolDetails.of(name_th=row.name_th, name_en=row.name_en,
                                       district=row.district, subdistrict=row.subdistrict)
        except RestructuringError as error:
            errors.append(error)
        if details is not None:
            first_row, first = self.details_seen.setdefault(code, (row.row_number, details))
            if first != details:
                errors.append(DetailsDifferInFile(
                    f"{code}: row {row.row_number} differs from row {first_row}",
                    message_th=f"ชื่อหรือที่ตั้งของโรงเรียน {code} ไม่ตรงกับแถวที่ {first_row}"))
        snapshot: EnrolmentSnapshot | None = None
        if row.snapshot_date is None:
            if not any(e.extra.get("field") == "snapshot_date" for e in errors):
                errors.append(FieldRequired("snapshot_date is required", field="snapshot_date",
                                            message_th="ต้องระบุวันที่เก็บข้อมูล"))
        else:
            snapshot, problems = check_snapshot(
                row.snapshot_date, row.pupils_by_grade, academic_year_be=row.academic_year_be,
                term=row.term, total=row.total, today=self.today)
            errors.extend(problems)
            first = self.seen.setdefault((code, row.snapshot_date), row.row_number)
            if first != row.row_number:
                errors.append(DuplicateRow(
                    f"{code} {row.snapshot_date} also in row {first}",
                    message_th=f"โรงเรียน {code} วันที่ {row.snapshot_date} ซ้ำกับแถวที่ {first}"))
        if errors or details is None or snapshot is None:
            return "rejected", errors
        try:
            return self._record(code, details, row.levels, snapshot), []
        except RestructuringError as error:
            return "rejected", [error]

    def _record(self, code: str, details: SchoolDetails, levels: Iterable[SchoolLevel] | None,
                snapshot: EnrolmentSnapshot) -> str:
        school = self.touched.get(code) or self.app.get(School, School.create_id(code))
        changed = False
        if school is None:
            school = School.register(code=code, details=details,
                                     levels=levels or self.levels_in_file.get(code, ()))
            self.registered.add(code)
            changed = True
        elif code not in self.registered:
            changed = school.correct_details(details)
        self.touched[code] = school
        outcome = school.record_enrolment(snapshot, self.today)
        if code in self.registered or outcome == "new":
            return "new"
        return "updated" if changed or outcome == "corrected" else "unchanged"
