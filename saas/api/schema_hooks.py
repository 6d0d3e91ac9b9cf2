"""OpenAPI post-processing: every operation documents the error answers it can
give, in the one error shape, so a client generated from the schema handles
them. Reads can answer 400 (bad query), 401, 403, 404, 429; writes also 402
(quota), 409 (conflict) and 413 (body too large)."""
from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "details"],
        "properties": {
            "code": {"type": "string", "description": "machine-readable, e.g. validation_error, quota_exceeded"},
            "message": {"type": "string", "description": "for people"},
            "details": {"description": "per field or per row specifics; {} when there are none",
                        "oneOf": [{"type": "object", "additionalProperties": True},
                                  {"type": "array", "items": {}}]},
        },
    }},
}
DESCRIPTIONS = {
    "400": "Invalid input (details name the field or row)",
    "401": "Missing or invalid credentials",
    "402": "A plan limit would be exceeded (details name the limit, the usage and the plan that lifts it)",
    "403": "The role, plan, scope or workspace state does not allow this",
    "404": "Not found in this workspace",
    "406": "The Accept header asks for a format this endpoint does not produce",
    "409": "Conflicts with the current state",
    "411": "A body was sent without a Content-Length (chunked bodies are refused)",
    "413": "Request body too large",
    "415": "The body's content type is not accepted (JSON, or multipart where a file is sent)",
    "429": "Too many requests (see Retry-After)",
}
READ_CODES = ("400", "401", "403", "404", "406", "429")
WRITE_CODES = READ_CODES + ("402", "409", "411", "413", "415")
METHODS = ("get", "put", "post", "patch", "delete")


def document_errors(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in READ_CODES if method == "get" else WRITE_CODES:
                responses.setdefault(code, {"description": DESCRIPTIONS[code],
                                            "content": {"application/json": {"schema": ref}}})
    return result
