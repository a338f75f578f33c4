"""The HTTP API: flask-smorest writes the OpenAPI document from the views' schemas."""
from __future__ import annotations

import uuid
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import Flask, Request
from flask_smorest import Api
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from hub.errors import PROBLEM_MIMETYPE, NotFound, http_exception_problem


class ProblemSchema(ma.Schema):
    """``application/problem+json`` (RFC 9457)."""

    type = ma.fields.String()
    status = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()))
    request_id = ma.fields.String()


class HubParser(FlaskParser):
    """webargs reads the body Flask decoded (hub/request_json.py, once per request)
    instead of decoding it a second time with its own ``json.loads``."""

    def _raw_load_json(self, req: Request) -> Any:
        if not req.is_json or not req.get_data(cache=True):
            return core.missing
        return req.get_json()


class Blueprint(flask_smorest.Blueprint):
    """The API's blueprints: flask-smorest's, with the hub's argument parser."""

    ARGUMENTS_PARSER = HubParser()


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


def path_id(value: str) -> uuid.UUID:
    """An object's id from the path; anything else names nothing here (404)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("请求的资源不存在") from None


def path_year(value: str) -> int:
    """A year from the path: four ASCII digits, else 404 (``"202²".isdigit()`` is true
    too, and ``int`` refuses it)."""
    if not (value.isascii() and value.isdigit()) or len(value) != 4:
        raise NotFound("请求的资源不存在")
    return int(value)


def init_app(app: Flask, blueprints: list[Any]) -> HubApi:
    app.config.setdefault("API_TITLE", "沈河区政务服务中心 数据中心 API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "区街政务服务数据中心：统一数据库、统一用户、并联审批、电子监察；"
                                 "区街政务服务呼叫中心：工单、首问负责、回访、好差评。"},
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    })
    api = HubApi(app)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.extensions["hub.api"] = api
    return api
