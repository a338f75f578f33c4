"""HTTP views of online pre-review: the citizen's upload (no sign-in), the center's
clerks' review, the hand-over at the window, the materials' download."""
from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from hub import clock, db
from hub.approvals import queries
from hub.approvals.schemas import ApplicationSchema
from hub.config import Settings
from hub.directory.auth import current_principal, requires
from hub.errors import BadRequest, UnsupportedMediaType, ValidationFailed, flatten_messages
from hub.materials import services as materials
from hub.materials.views import download
from hub.pagination import PageArgs, page_schema, paginate
from hub.permissions import Principal
from hub.prereviews import services
from hub.prereviews.models import PreReview
from hub.prereviews.schemas import (
    PreReviewDecisionSchema,
    PreReviewDataSchema,
    PreReviewSchema,
    PreReviewQuerySchema,
    PreReviewReceiptSchema,
    UploadFilesSchema,
    UploadFormSchema,
)
from hub.receipts import shown
from hub.throttle.limits import limit

blp = Blueprint("prereviews", __name__, url_prefix="/api/v1",
                description="网上预审：市民在家提交表单和材料，窗口一个工作日内审查，通过后到窗口直接受理")


def multipart_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """An upload is multipart/form-data; any other body is 415 before it is read."""
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.mimetype != "multipart/form-data":
            raise UnsupportedMediaType("请以 multipart/form-data 上传：data（JSON）与 files（文件）")
        return view(*args, **kwargs)
    return wrapper


def load_data(raw: str) -> dict[str, Any]:
    """The upload's ``data`` part: JSON (400 when it is not), then the one form's schema
    (422 naming the field)."""
    try:
        value = json.loads(raw)
    except ValueError:
        raise BadRequest("data 不是合法的 JSON", errors={"data": ["不是合法的 JSON"]}) from None
    if not isinstance(value, dict):
        raise ValidationFailed({"data": ["应为 JSON 对象"]})
    try:
        return PreReviewDataSchema().load(value)
    except ma.ValidationError as exc:
        raise ValidationFailed(flatten_messages(exc.messages)) from None


def settings() -> Settings:
    return current_app.config["HUB_SETTINGS"]


@blp.route("/public/prereviews")
class Upload(MethodView):
    @staticmethod
    def max_body(settings: Settings) -> int:
        """This endpoint's body limit (hub.app raises it for this view alone)."""
        return settings.upload_max_files * settings.upload_max_file_bytes \
            + settings.max_content_length

    @limit("public.prereviews", per_address=20, window=3600)
    @multipart_only
    @blp.doc(security=[])
    @blp.arguments(UploadFormSchema, location="form")
    @blp.arguments(UploadFilesSchema, location="files")
    @blp.response(201, PreReviewReceiptSchema)
    @blp.alt_response(413, description="文件超过 10 MiB，或请求体超过上限")
    @blp.alt_response(415, description="文件不是 PDF、JPEG 或 PNG（按内容识别），或请求不是 multipart")
    @blp.alt_response(422, description="表单、申请人或事项有误")
    def post(self, form: dict[str, Any], _files: dict[str, Any]) -> Any:
        """Send a pre-review: ``data`` (JSON ``{center, service_item, applicant, form}``, the
        item's one form) and ``files`` (PDF, JPEG or PNG by content, each at most 10 MiB).
        201 with the number and the receipt code (shown once); anything wrong is refused
        with nothing stored."""
        body = load_data(form["data"])
        session = db.session()
        services.check_data(session, body)
        limits = settings()
        uploads = [materials.Upload(f.filename, f.stream) for f in request.files.getlist("files")]
        checked = materials.check_uploads(uploads, max_files=limits.upload_max_files,
                                          max_bytes=limits.upload_max_file_bytes)
        made = services.submit(session, Principal.citizen(g.get("request_id")), body, checked)
        return {"number": made.prereview.number, "code": shown(made.code),
                "due_at": made.prereview.due_at}, 201


def _present(prereview: PreReview, *, form: bool = True) -> dict[str, Any]:
    return services.present(prereview, clock.now(),
                            materials.of_prereview(db.session(), prereview.id), form=form)


@blp.route("/prereviews")
class PreReviews(MethodView):
    @requires("prereviews.list")
    @blp.arguments(PreReviewQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(PreReviewSchema))
    def get(self, query: dict[str, Any], page: dict[str, Any]) -> Any:
        """The center's pre-reviews (a clerk's own center by default), the most urgent
        first; ``warning=yellow|red`` those showing that card now."""
        stmt = services.list_query(current_principal(), clock.now(), **query)
        result = paginate(db.session(), stmt, [PreReview.due_at, PreReview.id],
                          limit=page["limit"], cursor=page["cursor"])
        result["items"] = [_present(p, form=False) for p in result["items"]]
        return result


@blp.route("/prereviews/<string:number>")
class PreReviewItem(MethodView):
    @requires("prereviews.list")
    @blp.response(200, PreReviewSchema)
    def get(self, number: str) -> Any:
        """A pre-review with its form and materials (clerk of its center)."""
        return _present(services.readable(db.session(), current_principal(), number))


@blp.route("/prereviews/<string:number>/decision")
class Decision(MethodView):
    @requires("prereviews.list")
    @blp.arguments(PreReviewDecisionSchema)
    @blp.response(200, PreReviewSchema)
    @blp.alt_response(409, description="已有结论")
    def post(self, body: dict[str, Any], number: str) -> Any:
        """Pass, or return with the reasons the citizen will read."""
        return _present(services.decide(db.session(), current_principal(), number,
                                        body["decision"], body["reasons"]))


@blp.route("/prereviews/<string:number>/accept")
class Acceptance(MethodView):
    @requires("prereviews.list")
    @blp.response(201, ApplicationSchema)
    @blp.alt_response(409, description="未通过预审，或已转为正式受理")
    def post(self, number: str) -> Any:
        """The citizen is at the window: the passed pre-review becomes the application, its
        form and materials attached; ``receipt_code`` is in this response only."""
        session = db.session()
        submitted = services.accept(session, current_principal(), number)
        app = submitted.application
        body = queries.present_application(app, current_principal(), clock.now())
        body["materials"] = [materials.summary(m) for m in materials.of_application(
            session, app.id)]
        return ({**body, "receipt_code": submitted.receipt_code}, 201,
                {"Location": f"/api/v1/applications/{app.id}"})


@blp.route("/prereviews/<string:number>/materials/<string:material_id>")
class PreReviewMaterial(MethodView):
    @requires("prereviews.list")
    @blp.response(200, description="原样返回的文件（附件）",
                  content_type="application/octet-stream")
    def get(self, number: str, material_id: str) -> Any:
        """One material of a pre-review, byte for byte (clerk of its center)."""
        session = db.session()
        prereview = services.readable(session, current_principal(), number)
        material = materials.find(materials.of_prereview(session, prereview.id), material_id)
        return download(material, materials.content_of(session, material))
