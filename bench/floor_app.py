"""The floor benchmark's minimal app (``bench/floor.py`` serves it with gunicorn): the
hub's complete-application walk with only the statements its invariants need, and
nothing else — no ORM, no schemas, no middleware, no permissions beyond a bearer token
looked up in a dict, no calendar, no broker (the outbox rows are written, never relayed).

- ``POST /api/v1/applications`` (``Idempotency-Key``): one transaction — the key looked
  up, the center's number drawn, the case, the key, the first stage's task, its outbox
  message, the rollups (one statement), the center's audit chain head locked, the
  record appended and the head moved (one statement; HMAC-SHA256 in Python).
- ``POST /api/v1/tasks/<id>/decision`` ``{decision, version}``: one transaction — the
  case locked (found from the task), its tasks read afresh, the version checked, the
  task decided, the next stage's tasks opened when the stage is complete (or the case
  concluded with its result number), the case updated, the outbox when something opened
  or concluded, the rollups, the audit chain as above.
- ``GET /healthz``: the stack alone.

Every transactional answer carries ``X-Statements``: the SQL statements it executed
(``BEGIN`` and ``COMMIT`` not counted). Configured by the environment ``bench/floor.py``
gives it: ``FLOOR_DRIVER`` (``psycopg``: raw psycopg 3, one connection per server thread;
``core``: SQLAlchemy 2 Core ``text()`` on an Engine's QueuePool), ``FLOOR_DATABASE_URL``
(SQLAlchemy's), ``FLOOR_CONNINFO`` (libpq's) and ``FLOOR_TOKENS`` (JSON: token →
principal).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, request

DRIVER = os.environ.get("FLOOR_DRIVER", "psycopg")
TOKENS: dict[str, dict[str, str]] = json.loads(os.environ.get("FLOOR_TOKENS", "{}"))
AUDIT_KEY = b"bench"
GENESIS = "0" * 64
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
STAGES: dict[int, tuple[str, ...]] = {1: ("market",), 2: ("food", "fire", "environment")}
LAST_STAGE = max(STAGES)
CASE_DAYS, TASK_DAYS = 20, 5

# -- The statements -------------------------------------------------------------------------

# Columns read back, in this order (rows are tuples under both drivers).
CASE_COLUMNS = ("id", "number", "center", "status", "stage", "version", "due_at",
                "result_number")
TASK_COLUMNS = ("id", "stage", "department", "status", "version", "due_at")

SQL: dict[str, str] = {
    "find_key": "SELECT case_id FROM idempotency WHERE center = :center AND key = :key",
    "next_number": """
        INSERT INTO number_sequences (scope, value) VALUES (:scope, 1)
        ON CONFLICT (scope) DO UPDATE SET value = number_sequences.value + 1
        RETURNING value""",
    "insert_case": """
        INSERT INTO cases (id, number, center, service_item, status, stage, version,
                           applicant_name, applicant_id_number, applicant_phone, form,
                           submitted_at, due_at, updated_at)
        VALUES (:id, :number, :center, :service_item, :status, :stage, 1, :applicant_name,
                :applicant_id_number, :applicant_phone, CAST(:form AS jsonb), :now, :due_at,
                :now)""",
    "insert_key": """
        INSERT INTO idempotency (center, key, case_id, created_at)
        VALUES (:center, :key, :case_id, :now)""",
    "insert_tasks": """
        INSERT INTO tasks (id, case_id, stage, department, status, version, opened_at, due_at)
        SELECT id, case_id, stage, department, 'pending', 1, opened_at, due_at
        FROM jsonb_to_recordset(CAST(:tasks AS jsonb)) AS r(
            id uuid, case_id uuid, stage int, department text, opened_at timestamptz,
            due_at timestamptz)""",
    "insert_outbox": """
        INSERT INTO outbox (topic, payload, created_at)
        SELECT topic, payload, :now
        FROM jsonb_to_recordset(CAST(:messages AS jsonb)) AS r(topic text, payload jsonb)""",
    # Both rollup tables in one statement, each in key order; every transaction runs this
    # same statement, so the row locks are always taken in one order.
    "rollups": """
        WITH centers AS (
            INSERT INTO center_days (center, day, submitted, approved, rejected)
            SELECT center, day, submitted, approved, rejected
            FROM jsonb_to_recordset(CAST(:centers AS jsonb)) AS r(
                center text, day date, submitted int, approved int, rejected int)
            ORDER BY center, day
            ON CONFLICT (center, day) DO UPDATE SET
                submitted = center_days.submitted + excluded.submitted,
                approved = center_days.approved + excluded.approved,
                rejected = center_days.rejected + excluded.rejected)
        INSERT INTO department_days (department, day, opened, approved, rejected)
        SELECT department, day, opened, approved, rejected
        FROM jsonb_to_recordset(CAST(:departments AS jsonb)) AS r(
            department text, day date, opened int, approved int, rejected int)
        ORDER BY department, day
        ON CONFLICT (department, day) DO UPDATE SET
            opened = department_days.opened + excluded.opened,
            approved = department_days.approved + excluded.approved,
            rejected = department_days.rejected + excluded.rejected""",
    "lock_head": "SELECT seq, hash FROM audit_heads WHERE chain = :chain FOR UPDATE",
    "new_head": """
        INSERT INTO audit_heads (chain, seq, hash, updated_at) VALUES (:chain, 0, :hash, :now)
        ON CONFLICT (chain) DO NOTHING""",
    "append_audit": """
        WITH appended AS (
            INSERT INTO audit_records (chain, seq, at, actor, action, target_id, payload,
                                       prev_hash, hash)
            SELECT chain, seq, at, actor, action, target_id, payload, prev_hash, hash
            FROM jsonb_to_recordset(CAST(:records AS jsonb)) AS r(
                chain text, seq bigint, at timestamptz, actor text, action text,
                target_id text, payload jsonb, prev_hash text, hash text)
            ORDER BY seq)
        UPDATE audit_heads SET seq = :seq, hash = :hash, updated_at = :now
        WHERE chain = :chain""",
    "lock_case": f"""
        SELECT {", ".join("c." + c for c in CASE_COLUMNS)} FROM cases c
        WHERE c.id = (SELECT case_id FROM tasks WHERE id = :task)
        FOR UPDATE OF c""",
    "read_case": f"SELECT {', '.join(CASE_COLUMNS)} FROM cases WHERE id = :case",
    "case_tasks": f"""
        SELECT {", ".join(TASK_COLUMNS)} FROM tasks WHERE case_id = :case
        ORDER BY stage, department""",
    "decide_task": """
        UPDATE tasks SET status = :status, version = version + 1, decided_at = :now,
                         decided_by = :actor
        WHERE id = :id AND version = :version""",
    "cancel_pending": """
        UPDATE tasks SET status = 'cancelled', version = version + 1, decided_at = :now
        WHERE case_id = :case AND status = 'pending'""",
    "update_case": """
        UPDATE cases SET status = :status, stage = :stage, version = version + 1,
                         updated_at = :now, concluded_at = :concluded_at,
                         result_number = :result_number
        WHERE id = :id""",
}

# -- The two drivers ------------------------------------------------------------------------


class Refused(Exception):
    """An answer other than success; the transaction is rolled back."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class Transaction:
    """What a request's transaction offers: run a named statement, count it."""

    statements = 0

    def rows(self, name: str, params: dict[str, Any]) -> list[Any]:
        raise NotImplementedError


if DRIVER == "psycopg":
    import psycopg

    CONNINFO = os.environ["FLOOR_CONNINFO"]
    _PG_SQL = {name: re.sub(r"(?<!:):(\w+)", r"%(\1)s", text) for name, text in SQL.items()}
    _local = threading.local()

    class PsycopgTransaction(Transaction):
        def __init__(self, cursor: Any) -> None:
            self.cursor = cursor

        def rows(self, name: str, params: dict[str, Any]) -> list[Any]:
            self.statements += 1
            self.cursor.execute(_PG_SQL[name], params)
            return self.cursor.fetchall() if self.cursor.description else []

    @contextmanager
    def transaction() -> Iterator[Transaction]:
        """A transaction on this thread's own connection (gthread: one per server thread)."""
        conn = getattr(_local, "conn", None)
        if conn is None or conn.closed:
            conn = _local.conn = psycopg.connect(CONNINFO)
        try:
            with conn.cursor() as cursor:
                yield PsycopgTransaction(cursor)
            conn.commit()
        except BaseException:
            if not conn.closed:
                conn.rollback()
            raise

elif DRIVER == "core":
    import sqlalchemy as sa

    ENGINE = sa.create_engine(os.environ["FLOOR_DATABASE_URL"], pool_size=4, max_overflow=4)
    _TEXT = {name: sa.text(text) for name, text in SQL.items()}

    class CoreTransaction(Transaction):
        def __init__(self, conn: sa.Connection) -> None:
            self.conn = conn

        def rows(self, name: str, params: dict[str, Any]) -> list[Any]:
            self.statements += 1
            result = self.conn.execute(_TEXT[name], params)
            return list(result.all()) if result.returns_rows else []

    @contextmanager
    def transaction() -> Iterator[Transaction]:
        """A transaction on a connection of the Engine's pool."""
        with ENGINE.begin() as conn:
            yield CoreTransaction(conn)

else:
    raise SystemExit(f"FLOOR_DRIVER must be psycopg or core, not {DRIVER!r}")

# -- The walk -------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _day(at: dt.datetime) -> str:
    return at.astimezone(SHANGHAI).date().isoformat()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _task_plain(row: Any) -> dict[str, Any]:
    return {"id": str(row[0]), "stage": row[1], "department": row[2], "status": row[3],
            "version": row[4], "due_at": row[5].isoformat()}


def _case_plain(case: Any, tasks: list[Any]) -> dict[str, Any]:
    return {"id": str(case[0]), "number": case[1], "center": case[2], "status": case[3],
            "stage": case[4], "version": case[5], "due_at": case[6].isoformat(),
            "result_number": case[7], "tasks": [_task_plain(t) for t in tasks]}


def _rollups(tx: Transaction, now: dt.datetime, centers: dict[str, dict[str, int]],
             departments: dict[str, dict[str, int]]) -> None:
    day = _day(now)
    tx.rows("rollups", {
        "centers": _dumps([{"center": c, "day": day, "submitted": 0, "approved": 0,
                            "rejected": 0, **n} for c, n in centers.items()]),
        "departments": _dumps([{"department": d, "day": day, "opened": 0, "approved": 0,
                                "rejected": 0, **n} for d, n in departments.items()])})


def _audit(tx: Transaction, chain: str, now: dt.datetime, actor: str,
           records: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Append ``records`` (action, target id, payload) to the chain: its head locked, each
    record's HMAC over the one before, the records and the head's move in one statement."""
    found = tx.rows("lock_head", {"chain": chain})
    if not found:  # a chain's first record (the benchmark creates the heads beforehand)
        tx.rows("new_head", {"chain": chain, "hash": GENESIS, "now": now})
        found = tx.rows("lock_head", {"chain": chain})
    seq, prev = found[0]
    rows = []
    for action, target, payload in records:
        seq += 1
        row = {"chain": chain, "seq": seq, "at": now.isoformat(), "actor": actor,
               "action": action, "target_id": target, "payload": payload, "prev_hash": prev}
        text = json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                          default=str)
        row["hash"] = prev = hmac.new(AUDIT_KEY, text.encode(), hashlib.sha256).hexdigest()
        rows.append(row)
    tx.rows("append_audit", {"records": _dumps(rows), "seq": seq, "hash": prev, "now": now,
                             "chain": chain})


def _new_tasks(case_id: uuid.UUID, stage: int, now: dt.datetime) -> list[dict[str, Any]]:
    due = (now + dt.timedelta(days=TASK_DAYS)).isoformat()
    return [{"id": str(uuid.uuid4()), "case_id": str(case_id), "stage": stage,
             "department": d, "opened_at": now.isoformat(), "due_at": due}
            for d in STAGES[stage]]


def submit(tx: Transaction, actor: dict[str, str], body: dict[str, Any],
           key: str | None) -> tuple[int, dict[str, Any]]:
    """A clerk's submission at a window of their center."""
    center = body["center"]
    if actor.get("center") != center:
        raise Refused(403, "not a clerk of this center")
    if key:
        found = tx.rows("find_key", {"center": center, "key": key})
        if found:  # a replay: the case it created
            case_id = found[0][0]
            return 200, _case_plain(tx.rows("read_case", {"case": case_id})[0],
                                    tx.rows("case_tasks", {"case": case_id}))
    now = _now()
    value = tx.rows("next_number", {"scope": f"application:{center}:{now.year}"})[0][0]
    case_id, number = uuid.uuid4(), f"{center.upper()}-{now.year}-{value:06d}"
    due_at = now + dt.timedelta(days=CASE_DAYS)
    applicant = body["applicant"]
    tx.rows("insert_case", {
        "id": case_id, "number": number, "center": center,
        "service_item": body["service_item"], "status": "in_review", "stage": 1,
        "applicant_name": applicant["name"], "applicant_id_number": applicant["id_number"],
        "applicant_phone": applicant["phone"], "form": _dumps(body["form"]), "now": now,
        "due_at": due_at})
    if key:
        tx.rows("insert_key", {"center": center, "key": key, "case_id": case_id, "now": now})
    opened = _new_tasks(case_id, 1, now)
    tx.rows("insert_tasks", {"tasks": _dumps(opened)})
    tx.rows("insert_outbox", {"now": now, "messages": _dumps(
        [{"topic": "task.opened", "payload": {"task_id": t["id"], "case_id": str(case_id),
                                              "department": t["department"]}}
         for t in opened])})
    _rollups(tx, now, {center: {"submitted": 1}},
             {t["department"]: {"opened": 1} for t in opened})
    _audit(tx, center, now, actor["username"], [
        ("application.submitted", str(case_id),
         {"after": {"number": number, "status": "in_review", "stage": 1,
                    "due_at": due_at.isoformat(), "service_item": body["service_item"],
                    "tasks": [{k: t[k] for k in ("id", "stage", "department", "due_at")}
                              for t in opened]}})])
    tasks = [(uuid.UUID(t["id"]), 1, t["department"], "pending", 1,
              dt.datetime.fromisoformat(t["due_at"])) for t in opened]
    return 201, _case_plain((case_id, number, center, "in_review", 1, 1, due_at, None), tasks)


def decide(tx: Transaction, actor: dict[str, str], task_id: uuid.UUID,
           body: dict[str, Any]) -> dict[str, Any]:
    """An approver's decision on a task of their department."""
    decision, version = body.get("decision"), body.get("version")
    if decision not in ("approve", "reject"):
        raise Refused(422, "decision must be approve or reject")
    found = tx.rows("lock_case", {"task": task_id})
    if not found:
        raise Refused(404, "no such task")
    case = list(found[0])
    case_id, center, stage = case[0], case[2], case[4]
    tasks = [list(t) for t in tx.rows("case_tasks", {"case": case_id})]
    task = next(t for t in tasks if t[0] == task_id)
    if actor.get("department") != task[2]:
        raise Refused(403, "not an approver of this department")
    if task[3] != "pending":
        raise Refused(409, "already decided")
    if task[4] != version:
        raise Refused(409, f"the task is at version {task[4]}")
    now = _now()
    status = "approved" if decision == "approve" else "rejected"
    tx.rows("decide_task", {"status": status, "now": now, "actor": actor["username"],
                            "id": task_id, "version": version})
    task[3], task[4] = status, task[4] + 1
    opened: list[dict[str, Any]] = []
    concluded = None
    if status == "rejected":
        concluded = "rejected"
        if any(t[3] == "pending" for t in tasks):
            tx.rows("cancel_pending", {"case": case_id, "now": now})
            for t in tasks:
                if t[3] == "pending":
                    t[3], t[4] = "cancelled", t[4] + 1
    elif all(t[3] == "approved" for t in tasks if t[1] == stage):
        if stage < LAST_STAGE:
            opened = _new_tasks(case_id, stage + 1, now)
            tx.rows("insert_tasks", {"tasks": _dumps(opened)})
            tasks += [[uuid.UUID(t["id"]), t["stage"], t["department"], "pending", 1,
                       dt.datetime.fromisoformat(t["due_at"])] for t in opened]
        else:
            concluded = "approved"
    if concluded == "approved":
        value = tx.rows("next_number", {"scope": f"result:{center}:{now.year}"})[0][0]
        case[7] = f"{center.upper()}-R-{now.year}-{value:06d}"
    case[3] = concluded or case[3]
    case[4] = stage + 1 if opened else stage
    case[5] += 1
    tx.rows("update_case", {"status": case[3], "stage": case[4], "now": now,
                            "concluded_at": now if concluded else None,
                            "result_number": case[7], "id": case_id})
    messages = [{"topic": "task.opened", "payload": {"task_id": t["id"],
                                                     "case_id": str(case_id),
                                                     "department": t["department"]}}
                for t in opened]
    if concluded:
        messages.append({"topic": "application.concluded",
                         "payload": {"case_id": str(case_id), "status": concluded}})
    if messages:
        tx.rows("insert_outbox", {"now": now, "messages": _dumps(messages)})
    departments = {task[2]: {status: 1}}
    departments.update({t["department"]: {"opened": 1} for t in opened})
    _rollups(tx, now, {center: {concluded: 1}} if concluded else {}, departments)
    records = [(f"task.{status}", str(case_id),
                {"before": {"task_id": str(task_id), "status": "pending", "version": version},
                 "after": {"status": status, "version": task[4], "decision": decision}})]
    if opened or concluded:
        records.append((f"application.{concluded}" if concluded else "application.stage_opened",
                        str(case_id),
                        {"after": {"status": case[3], "stage": case[4],
                                   "result_number": case[7],
                                   "tasks_opened": [{k: t[k] for k in ("id", "department")}
                                                    for t in opened]}}))
    _audit(tx, center, now, actor["username"], records)
    return {"task": _task_plain(task), "application": _case_plain(case, tasks)}


# -- The app --------------------------------------------------------------------------------

app = Flask(__name__)


def _answer(status: int, value: Any, statements: int | None = None) -> Response:
    response = Response(json.dumps(value, ensure_ascii=False), status,
                        mimetype="application/json")
    if statements is not None:
        response.headers["X-Statements"] = str(statements)
    return response


def _principal() -> dict[str, str] | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return TOKENS.get(token) if scheme == "Bearer" else None


@app.get("/healthz")
def healthz() -> Response:
    return _answer(200, {"status": "ok"})


@app.post("/api/v1/applications")
def applications() -> Response:
    actor = _principal()
    if actor is None:
        return _answer(401, {"message": "unauthenticated"})
    body = json.loads(request.get_data())
    try:
        with transaction() as tx:
            status, case = submit(tx, actor, body, request.headers.get("Idempotency-Key"))
    except Refused as refused:
        return _answer(refused.status, {"message": refused.message}, tx.statements)
    return _answer(status, case, tx.statements)


@app.post("/api/v1/tasks/<uuid:task_id>/decision")
def decision(task_id: uuid.UUID) -> Response:
    actor = _principal()
    if actor is None:
        return _answer(401, {"message": "unauthenticated"})
    body = json.loads(request.get_data())
    try:
        with transaction() as tx:
            answer = decide(tx, actor, task_id, body)
    except Refused as refused:
        return _answer(refused.status, {"message": refused.message}, tx.statements)
    return _answer(200, answer, tx.statements)
