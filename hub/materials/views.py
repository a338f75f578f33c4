"""Downloading materials: the stored bytes, unchanged, to whoever may read the case, and
never in a way a browser would run them."""
from __future__ import annotations

import io
import uuid
from typing import Any

from flask import Response, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from hub import db
from hub.approvals import services as approvals
from hub.directory.auth import current_principal, requires
from hub.errors import NotFound
from hub.materials import services
from hub.materials.models import Material

blp = Blueprint("materials", __name__, url_prefix="/api/v1",
                description="申请材料：网上预审收到的材料，随办件保存，原样下载")

# Whatever a file holds, a browser that is handed it must neither render it in the
# page's origin nor guess another type: a download, sandboxed, the type we recognised.
DOWNLOAD_HEADERS = {"X-Content-Type-Options": "nosniff",
                    "Content-Security-Policy": "default-src 'none'; sandbox",
                    "Cache-Control": "private, no-store"}


def download(material: Material, content: bytes) -> Response:
    """The material as an attachment under its recognised type (PDF, JPEG or PNG: never
    one the client named), its name as kept (RFC 6266 ``filename*`` for Chinese names)."""
    response = send_file(io.BytesIO(content), mimetype=material.content_type,
                         as_attachment=True, download_name=material.filename,
                         conditional=False, etag=False, max_age=0)
    response.headers.update(DOWNLOAD_HEADERS)
    return response


@blp.route("/applications/<string:application_id>/materials/<string:material_id>")
class ApplicationMaterial(MethodView):
    @requires("applications.view")
    @blp.response(200, description="原样返回的文件（附件）",
                  content_type="application/octet-stream")
    def get(self, application_id: str, material_id: str) -> Any:
        """One material of an application, byte for byte, to whoever may read the case."""
        try:
            case_id = uuid.UUID(application_id)
        except ValueError:
            raise NotFound("办件不存在") from None
        session = db.session()
        app = approvals.readable_application(session, current_principal(), case_id)
        material = services.find(services.of_application(session, app.id), material_id)
        return download(material, services.content_of(session, material))
