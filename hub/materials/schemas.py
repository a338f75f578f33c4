"""A material as the API shows it (on a pre-review and on the application it becomes)."""
from __future__ import annotations

import marshmallow as ma


class MaterialSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    filename = ma.fields.String(required=True)
    content_type = ma.fields.String(required=True, metadata={
        "description": "application/pdf | image/jpeg | image/png, recognised by content"})
    size = ma.fields.Integer(required=True, metadata={"description": "bytes"})
    sha256 = ma.fields.String(required=True)
