"""Unicode that deceives, through the API, the pages and the sync alike: ID numbers and
phones in non-ASCII digits are stored as ASCII digits; control characters and bidi
overrides in names and free text are a 422 naming the field (the pages: the message beside
it; the sync: the record quarantined with it). One set of field types does it: every input
field of every API operation, page form and canonical record is one of ``hub.fields``."""
from __future__ import annotations

import ast
import importlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import marshmallow as ma
from sqlalchemy import select

from hub import fields, privacy
from hub.approvals.models import Application
from hub.directory.models import Department
from hub.sync.models import QuarantinedRecord
from hub.sync.schemas import CANONICAL_SCHEMAS
from tests.e2e.approvals.conftest import ID_NUMBER, PHONE, hall  # noqa: F401
from tests.e2e.web.pages import signed_in

ROOT = Path(__file__).resolve().parents[2]
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DECEIVING = "Shop \u202eTXT.EXE"


def api_schemas(app: Any) -> Iterator[tuple[str, Any]]:
    for endpoint, view in app.view_functions.items():
        cls = getattr(view, "view_class", None)
        methods = [getattr(cls, m) for m in ("get", "post", "put", "patch", "delete")
                   if hasattr(cls, m)] if cls else [view]
        for method in methods:
            for parameter in getattr(method, "_apidoc", {}).get("arguments", {}).get(
                    "parameters", []):
                yield endpoint, parameter["schema"]


def page_schemas() -> Iterator[tuple[str, Any]]:
    """The schemas the pages load: every ``forms.load(...)`` in hub/web, whether the schema
    is named in the call (``forms.load(XSchema(), ...)``) or picked from a table of the
    module (``schema, inputs = _STEPS[step]``; then every schema in its tables is taken)."""
    for path in sorted((ROOT / "hub" / "web").glob("*.py")):
        module = importlib.import_module(f"hub.web.{path.stem}")
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "load" and node.args
                    and isinstance(node.args[0], ast.Call)
                    and isinstance(node.args[0].func, ast.Name)):
                continue
            named = getattr(module, node.args[0].func.id, None)
            if isinstance(named, type):
                yield f"hub/web/{path.name}", named
                continue
            tables = [v for v in vars(module).values() if isinstance(v, dict)]
            held = [c for table in tables for row in table.values()
                    for c in (row if isinstance(row, tuple) else (row,))
                    if isinstance(c, type) and issubclass(c, ma.Schema)]
            assert held, f"hub/web/{path.name}: a schema loaded from nowhere this test finds"
            yield from ((f"hub/web/{path.name}", c) for c in held)


def fields_of(schema: Any, prefix: str = "") -> Iterator[tuple[str, ma.fields.Field]]:
    instance = schema() if isinstance(schema, type) else schema
    for name, field in instance.load_fields.items():
        yield from _inner(f"{prefix}{name}", field)


def _inner(path: str, field: ma.fields.Field) -> Iterator[tuple[str, ma.fields.Field]]:
    yield path, field
    if isinstance(field, ma.fields.Nested):
        yield from fields_of(field.schema, path + ".")
    elif isinstance(field, ma.fields.List):
        yield from _inner(path + "[]", field.inner)
    elif isinstance(field, ma.fields.Dict):
        for part, inner in (("{key}", field.key_field), ("{value}", field.value_field)):
            if inner is not None:
                yield from _inner(path + part, inner)


def test_every_input_field_is_one_of_the_hub_field_types(app):
    schemas = [*api_schemas(app), *page_schemas(),
               *((f"sync {stream}", schema) for stream, schema in CANONICAL_SCHEMAS.items())]
    assert len(schemas) > 40
    bare = []
    for where, schema in schemas:
        name = schema.__name__ if isinstance(schema, type) else type(schema).__name__
        for path, field in fields_of(schema):
            if isinstance(field, ma.fields.String) and not isinstance(
                    field, (fields.Text, fields.Secret)):
                bare.append(f"{where} {name}.{path}: {type(field).__name__}")
            if isinstance(field, (ma.fields.Date, ma.fields.DateTime)) and not isinstance(
                    field, fields.Day):
                bare.append(f"{where} {name}.{path}: {type(field).__name__}")
    assert bare == [], "\n".join(bare)


# -- Digits ----------------------------------------------------------------------------------


def test_an_id_number_and_a_phone_in_other_digits_are_stored_as_ascii(hall, session):  # noqa: F811
    for table in (FULLWIDTH, ARABIC):
        case = hall.submitted(applicant={"name": "张三丰", "id_number": ID_NUMBER.translate(table),
                                         "phone": PHONE.translate(table)})
        assert case["applicant"]["id_number"] == privacy.mask_id_number(ID_NUMBER)
        assert case["applicant"]["phone"] == privacy.mask_phone(PHONE)
        row = session.get(Application, uuid.UUID(case["id"]))
        with hall.client.application.app_context():
            cipher = privacy.cipher()
            assert cipher.decrypt(row.applicant_id_encrypted) == ID_NUMBER
            assert cipher.decrypt(row.applicant_phone_encrypted) == PHONE
            assert row.applicant_id_hash == cipher.lookup_hash(ID_NUMBER)


# -- Names and free text ---------------------------------------------------------------------


def test_the_api_refuses_deceiving_names_and_texts_naming_the_field(hall, people, session):  # noqa: F811
    client = hall.client

    def refused(response: Any, field: str) -> None:
        assert response.status_code == 422, response.get_data(as_text=True)
        assert field in response.json["errors"], response.json
        assert "U+" in " ".join(response.json["errors"][field])

    refused(hall.submit(applicant={"name": DECEIVING, "id_number": ID_NUMBER, "phone": PHONE}),
            "applicant.name")
    refused(hall.submit(form={"shop_name": "老边\x00饺子馆"}), "form.shop_name")
    refused(hall.submit(form={"shop_name": "\u2067老边饺子馆\u2069"}), "form.shop_name")
    case = hall.submitted()
    task = hall.task(case, "market")
    refused(hall.decide(task, "reject", comment="不予许可\x1b[8m隐藏"), "comment")
    refused(client.post(f"/api/v1/applications/{case['id']}/withdraw",
                        json={"reason": "申请人\u202e撤回"}, headers=hall.clerk.headers), "reason")
    refused(client.post("/api/v1/departments", json={"code": "evil", "name": DECEIVING},
                        headers=hall.admin.headers), "name")
    refused(client.post("/api/v1/users", json={
        "username": "wang.fang", "display_name": "王\u202e芳", "center": "binhe",
        "roles": ["clerk"], "password": "a long enough password"}, headers=hall.admin.headers),
        "display_name")
    # A comment's line breaks are free text's own, and stay.
    said = hall.decided(task, "reject", comment="场所不符：\r\n1. 面积不足\n2. 无消防通道")
    assert said["task"]["comment"] == "场所不符：\n1. 面积不足\n2. 无消防通道"
    assert session.scalar(select(Department).where(Department.code == "evil")) is None


def test_the_pages_show_the_refusal_beside_the_field(client, hall, people):  # noqa: F811
    token = signed_in(client, hall.admin)
    page = client.post("/admin/departments", data={"csrf_token": token, "code": "evil",
                                                   "name": DECEIVING})
    assert page.status_code == 422
    assert "双向文本控制符（U+202E RIGHT-TO-LEFT OVERRIDE）" in page.text


def test_the_sync_quarantines_a_deceiving_name_and_reads_other_digits(app, session, people,
                                                                       tmp_path):
    from adapters.sample.data import application_records
    from tests.integration.sync.conftest import point, sync

    people.service_item()
    records = list(application_records("binhe", 3, items=("open-restaurant",)))
    records[0]["applicant_name"] = DECEIVING
    ascii_id = records[1]["applicant_id_number"]
    records[1]["applicant_id_number"] = ascii_id.translate(ARABIC)
    folder = tmp_path / "drop"
    folder.mkdir()
    header = list(records[0])
    lines = [",".join(header)] + [",".join(str(r[k] if r[k] is not None else "") for k in header)
                                  for r in records]
    (folder / "applications-20261129.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    point(app, "binhe", {"kind": "csv_files", "path": str(folder)})
    [run] = sync(app, stream="applications")
    assert (run.fetched, run.inserted, run.rejected) == (3, 2, 1)
    [quarantined] = session.scalars(select(QuarantinedRecord)).all()
    assert "U+202E" in quarantined.reasons["applicant_name"][0]
    stored = session.scalar(select(Application).where(
        Application.external_id == records[1]["external_id"]))
    assert stored.applicant_id_masked == privacy.mask_id_number(ascii_id)
