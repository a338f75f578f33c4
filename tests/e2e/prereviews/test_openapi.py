"""The OpenAPI document says which operations need no sign-in and how an upload is sent."""


def test_public_operations_need_no_token_and_the_upload_is_multipart(client):
    spec = client.get("/openapi.json").json
    public = {path: ops for path, ops in spec["paths"].items()
              if path.startswith("/api/v1/public/")}
    for path in ("/api/v1/public/guide/{service_item}", "/api/v1/public/centers/{code}/windows",
                 "/api/v1/public/appointments/slots", "/api/v1/public/appointments",
                 "/api/v1/public/appointments/{number}/cancel", "/api/v1/public/prereviews"):
        for operation in public[path].values():
            if isinstance(operation, dict) and "responses" in operation:
                assert operation.get("security") == [], (path, operation.get("security"))
    upload = public["/api/v1/public/prereviews"]["post"]
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {"data", "files"} <= set(body.get("properties", {})) or "$ref" in body
    assert {"201", "413", "415", "422", "429"} <= set(upload["responses"])
    staff = spec["paths"]["/api/v1/prereviews/{number}/accept"]["post"]
    assert staff.get("security") != []
