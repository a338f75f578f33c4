"""The world the authorisation matrix acts on (``test_authorisation_matrix.py``): its cast
and a factory of the objects its rows' routes name.

Every object belongs to binhe's center and market's department, so that the cast's "own"
actors are binhe's clerk, operator and adapter, market's approver and a chief
representative of market at binhe (a center's chief: ratings and disclosure requests
are a center's), and its "other" actors, daxi's and food's, are other on every object:
an application of binhe whose market step is open, a ticket received by binhe's operator
and assigned to market, a rating of such a ticket, an appointment and a pre-review at
binhe, a disclosure request received at binhe. Each is made afresh through the API, with
the helpers of the walks that test it (the approvals' ``Hall``, the call center's
``CallCenter``, the disclosure ``Office``, ``People``); only a failed sync run and its
quarantined record, which no request makes, are written to the tables.

The makers of the world hold tokens of their own: an actor signing out in the matrix
ends the tokens of its caller, never the world's."""
from __future__ import annotations

import dataclasses
import io
import itertools
import json
from typing import Any

from flask import Flask

from hub import clock
from hub.approvals.calendar import local_date
from hub.sync.models import QuarantinedRecord, SyncRun
from tests.conftest import autocommit_session
from tests.e2e.approvals.conftest import Hall, lasting
from tests.e2e.conftest import id_number
from tests.e2e.disclosure.conftest import Office
from tests.e2e.tickets.conftest import PHONE as CALLER_PHONE
from tests.e2e.tickets.conftest import CallCenter
from tests.factories import People, Person, pdf_bytes, png_bytes, window_definition

OWN = ("clerk", "operator", "approver", "chief", "adapter")
OTHER = tuple(f"{actor}@other" for actor in OWN)
OFFICIALS = ("supervisor", "admin")
# The other center's and department's actors go first: a row's own actors may move the
# object on (e.g. open the food department's step), after which "other" would be involved.
ACTORS = (*OTHER, *OFFICIALS, *OWN)

# What the objects' routes name besides the object itself.
COMMON = {"year": "2026", "center": "binhe", "department": "market", "code": "open-restaurant",
          "service_item": "open-restaurant", "filename": "css/hub.css", "kind": "centers",
          "fmt": "csv"}
# A department and a service item of the administrator's rows to change, so that nothing
# the other rows stand on (market, open-restaurant, binhe's windows) moves under them.
SPARE_DEPARTMENT = "archive"
SPARE_ITEM = "fire-check"


@dataclasses.dataclass
class Target:
    """The object one row acts on: its route's parameters, what an actor of another center
    or department must never see of it (its id and number), and what bodies need."""

    values: dict[str, str]
    secrets: tuple[str, ...] = ()
    data: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.data[name] if name in self.data else self.values[name]


_addresses = itertools.count(1)


def citizen() -> dict[str, Any]:
    """A citizen's request from an address of its own: the public channels' per-address
    limits are for floods, not for the world's few hundred objects."""
    n = next(_addresses)
    return {"environ_base": {"REMOTE_ADDR": f"10.77.{n // 250}.{n % 250 + 1}"}}


class World:
    """The cast (``self.cast``: each actor's account) and the objects' factory
    (``make(kind)``): ``kind`` is an object, with ``:state`` for one moved on."""

    def __init__(self, app: Flask, hall: Hall, people: People) -> None:
        self.app, self.hall, self.people, self.client = app, hall, people, hall.client
        chief = lasting(people, people.chief("market", center="binhe"))
        self.cast: dict[str, Person] = {
            "clerk": hall.clerk, "clerk@other": people.clerk(center="daxi"),
            "operator": lasting(people, people.make("operator", center="binhe")),
            "operator@other": people.make("operator", center="daxi"),
            "approver": hall.approvers["market"], "approver@other": hall.approvers["food"],
            "chief": chief, "chief@other": people.chief("food", center="daxi"),
            "adapter": people.make("adapter", center="binhe"),
            "adapter@other": people.make("adapter", center="daxi"),
            "supervisor": hall.supervisor, "admin": hall.admin,
        }
        people.guide()
        people.windows("binhe", window_definition("A01", capacity_per_slot=500))
        people.department(SPARE_DEPARTMENT)
        self.calls = CallCenter(
            client=self.client, people=people, operator=self.cast["operator"],
            operator2=self.cast["operator"], clerk=hall.clerk, other=self.cast["operator@other"],
            approvers=hall.approvers, chiefs={**hall.chiefs, "market": chief},
            supervisor=hall.supervisor, admin=hall.admin)
        self.office = Office(client=self.client, clerk=hall.clerk, operator=self.cast["operator"],
                             chief=chief, street_clerk=self.cast["clerk@other"],
                             supervisor=hall.supervisor, admin=hall.admin)
        # ``username`` names an account of the directory's rows; ``clerk``, whose password
        # the sign-in rows use.
        self.common = {**COMMON, "username": self.cast["clerk@other"].username,
                       "clerk": hall.clerk.username}

    def make(self, kind: str) -> Target:
        if kind == "none":
            return Target(dict(self.common))
        maker = getattr(self, "_" + kind.replace(":", "_"))
        made: Target = maker()
        made.values = {**self.common, **made.values}
        return made

    # -- Applications ---------------------------------------------------------------------

    def _application(self) -> Target:
        """binhe's case with its market step open."""
        created = self.hall.submitted()
        market = self.hall.task(created, "market")
        return Target({"application_id": created["id"], "task_id": market["id"]},
                      (created["id"], created["number"]),
                      {"task": market, "approver": self.hall.approvers["market"].username})

    def _case(self) -> Target:
        """binhe's case with its market step open, a notice on it to market, a failed run
        of binhe (the latest of its stream) and an open quarantined record."""
        made = self._application()
        notice = self.client.post("/api/v1/supervision/notices",
                                  headers=self.hall.supervisor.headers,
                                  json={"application_id": made.values["application_id"],
                                        "content": "请说明", "department": "market"})
        assert notice.status_code == 201, notice.get_json()
        run_id, record_id = self._failed_run()
        made.values.update(notice_id=notice.get_json()["id"], run_id=str(run_id),
                           record_id=str(record_id))
        return made

    def _case_claimed(self) -> Target:
        """The market step held by market's approver (to release)."""
        made = self._case()
        task = made["task"]
        claimed = self.client.post(f"/api/v1/tasks/{task['id']}/claim",
                                   json={"version": task["version"]},
                                   headers=self.hall.approvers["market"].headers)
        assert claimed.status_code == 200, claimed.get_json()
        made.data["task"] = claimed.get_json()
        return made

    def _case_supplement(self) -> Target:
        """market asked for a supplement: the one-time notice can be printed."""
        made = self._case()
        self.hall.decided(made["task"], "request_supplement", comment="请补充平面图")
        return made

    def _case_rejected(self) -> Target:
        """market refused: the case is concluded, its decision can be printed."""
        made = self._case()
        self.hall.decided(made["task"], "reject", comment="经营场所不符合规定")
        return made

    def _case_materials(self) -> Target:
        """binhe's case accepted from a pre-review, with its materials."""
        made = self._prereview_passed()
        accepted = self.client.post(f"/api/v1/prereviews/{made['number']}/accept",
                                    headers=self.hall.clerk.headers)
        assert accepted.status_code == 201, accepted.get_json()
        case = accepted.get_json()
        return Target({"application_id": case["id"], "material_id": made["material_id"]},
                      (case["id"], case["number"]))

    def _failed_run(self) -> tuple[int, int]:
        session = autocommit_session(self.app)
        now = clock.now()
        run = SyncRun(center_code="binhe", stream="applications", status="failed",
                      trigger="schedule", requested_by="beat", started_at=now,
                      heartbeat_at=now, finished_at=now, error="连接中心系统超时")
        session.add(run)
        session.flush()
        record = QuarantinedRecord(run_id=run.id, center_code="binhe", stream="applications",
                                   external_id="BAD", record={"external_id": "BAD"},
                                   reasons={"service_item": ["未知的事项"]}, created_at=now)
        session.add(record)
        session.commit()
        ids = run.id, record.id
        session.close()
        return ids

    # -- The call center ------------------------------------------------------------------

    def _ticket(self) -> Target:
        """Received by binhe's operator (its owner) and assigned to market."""
        received = self.calls.received()
        ticket = self.calls.acted(received, "assign", department="market")
        return Target({"ticket_id": ticket["id"], "number": ticket["number"]},
                      (ticket["id"], ticket["number"]),
                      {"version": ticket["version"], "code": received["receipt_code"],
                       "phone": CALLER_PHONE, "to_user": self.hall.clerk.username})

    def _ticket_answered(self) -> Target:
        """market has answered it: its owner calls back, the caller may rate it."""
        made = self._ticket()
        ticket = self.calls.acted({"id": made.values["ticket_id"], "version": made["version"]},
                                  "reply", self.hall.approvers["market"], content="已处理")
        made.data["version"] = ticket["version"]
        return made

    def _rating(self) -> Target:
        """The caller's 不满意 of an answered ticket (a rectification opens)."""
        made = self._ticket_answered()
        number = made.values["number"]
        rated = self.client.post("/api/v1/public/ratings", **citizen(),
                                 json={"number": number, "code": made["code"], "level": 2})
        assert rated.status_code == 201, rated.get_json()
        rating = self.client.get("/api/v1/ratings", headers=self.hall.supervisor.headers,
                                 query_string={"center": "binhe", "limit": 1}).get_json()
        rating_id = rating["items"][0]["id"]
        assert rating["items"][0]["number"] == number
        return Target({"rating_id": str(rating_id)}, made.secrets, {"rating": rating_id})

    def _rating_appealed(self) -> Target:
        """binhe appealed it: a supervisor decides."""
        made = self._rating()
        appealed = self.client.post(f"/api/v1/ratings/{made['rating']}/appeal",
                                    headers=self.hall.clerk.headers,
                                    json={"reason": "来电人恶意差评"})
        assert appealed.status_code == 200, appealed.get_json()
        return made

    # -- The public site ------------------------------------------------------------------

    def _appointment(self) -> Target:
        """Booked for this afternoon at binhe (the clerk marks it today)."""
        today = local_date(clock.now()).isoformat()
        booked = self.client.post("/api/v1/public/appointments", **citizen(), json={
            "center": "binhe", "service_item": "open-restaurant", "date": today, "slot": "pm",
            "applicant": {"name": "王小明", "id_number": id_number(), "phone": "13812345678"}})
        assert booked.status_code == 201, booked.get_json()
        number = booked.get_json()["number"]
        return Target({"number": number}, (number,),
                      {"code": booked.get_json()["code"], "date": today})

    def _prereview(self) -> Target:
        """Sent to binhe with two files, waiting for its clerk."""
        sent = self.client.post("/api/v1/public/prereviews", **citizen(),
                                content_type="multipart/form-data",
                                data=prereview_upload())
        assert sent.status_code == 201, sent.get_json()
        number = sent.get_json()["number"]
        shown = self.client.get(f"/api/v1/prereviews/{number}", headers=self.hall.clerk.headers)
        assert shown.status_code == 200, shown.get_json()
        material = shown.get_json()["materials"][0]["id"]
        return Target({"number": number, "material_id": str(material)}, (number,),
                      {"number": number, "code": sent.get_json()["code"],
                       "material_id": str(material)})

    def _prereview_passed(self) -> Target:
        made = self._prereview()
        passed = self.client.post(f"/api/v1/prereviews/{made['number']}/decision",
                                  headers=self.hall.clerk.headers,
                                  json={"decision": "pass", "reasons": []})
        assert passed.status_code == 200, passed.get_json()
        return made

    # -- Disclosure -------------------------------------------------------------------------

    def _disclosure(self) -> Target:
        """Received at binhe today, registered by its clerk."""
        made = self.office.registered(received_on=local_date(clock.now()).isoformat())
        return Target({"request_id": made["id"]}, (made["id"], made["number"]),
                      {"today": local_date(clock.now()).isoformat()})

    def _disclosure_waiting(self) -> Target:
        """Sent back to the requester for completion (补正)."""
        made = self._disclosure()
        self.office.acted(made.values["request_id"], "supplement", reason="请明确所需信息的范围")
        return made


def prereview_form(**overrides: Any) -> dict[str, Any]:
    body = {"center": "binhe", "service_item": "open-restaurant",
            "applicant": {"name": "王小明", "id_number": id_number(), "phone": "13812345678"},
            "form": {"shop_name": "老边饺子馆"}}
    body.update(overrides)
    return body


def prereview_upload() -> dict[str, Any]:
    """The multipart body of ``POST /api/v1/public/prereviews``."""
    return {"data": json.dumps(prereview_form(), ensure_ascii=False),
            "files": [(io.BytesIO(pdf_bytes()), "营业执照.pdf"),
                      (io.BytesIO(png_bytes()), "平面图.png")]}
