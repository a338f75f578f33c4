"""The HTTP API: flask-smorest writes the OpenAPI document from the views' schemas."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Flask
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from hub.errors import PROBLEM_MIMETYPE, http_exception_problem


class ProblemSchema(ma.Schema):
    """``application/problem+json`` (RFC 9457)."""

    type = ma.fields.String()
    status = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()))
    request_id = ma.fields.String()


class HubApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        return http_exception_problem(error)

    def _register_responses(self) -> None:
        # The error responses flask-smorest documents (each status, DEFAULT_ERROR) are
        # served as application/problem+json by hub.errors: document them so.
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_MIMETYPE
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE  # the class's application/json again


def init_app(app: Flask, blueprints: list[Any]) -> HubApi:
    app.config.setdefault("API_TITLE", "沈河区政务服务中心 数据中心 API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "区街政务服务数据中心：统一数据库、统一用户、并联审批、电子监察。"},
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    })
    api = HubApi(app)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.extensions["hub.api"] = api
    return api
