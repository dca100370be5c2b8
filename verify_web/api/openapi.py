"""The OpenAPI 3.1 document of ``/api/v1/``. Its schemas are JSON Schema 2020-12, so tests
validate real responses against them."""

from __future__ import annotations

from typing import Any

from .openapi_schemas import SCHEMAS


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json("Error")}


def document(base_url: str) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document, with ``base_url`` as the server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OCOP label verification",
            "version": "1.0.0",
            "description": "Is this a genuine OCOP label? Verdicts for scanned QR text and short codes.",
        },
        "servers": [{"url": base_url.lower()}],
        "paths": {**_verify_paths(), **_list_paths()},
        "components": {"schemas": SCHEMAS},
    }


def _verify_paths() -> dict[str, Any]:
    """Return the two verify operations: a code in the path, raw QR text in the body."""
    verdict = {
        "description": "The verdict (every code gets one, even a forged one)",
        "content": _json("Verdict"),
    }
    return {
        "/api/v1/verify/{code}": {
            "get": {
                "operationId": "verifyCode",
                "summary": "Verify the digits of a label URL or a short code typed from the label",
                "parameters": [
                    {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "province",
                        "in": "query",
                        "required": False,
                        "description": "where the caller says the scan was: stored as the caller's "
                        "claim, never used for clone signals or shown as the first scan's place",
                        "schema": {"type": "string", "maxLength": 100},
                    },
                ],
                "responses": {
                    "200": verdict,
                    "400": _error("province longer than 100 characters"),
                    "404": _error("Not found"),
                    "429": _error("Too many requests"),
                },
            }
        },
        "/api/v1/verify": {
            "post": {
                "operationId": "verifyScan",
                "summary": "Verify raw scanned QR text; flags QR content pointing to another domain",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["qr"],
                                "properties": {
                                    "qr": {"type": "string", "maxLength": 2000},
                                    "province": {"type": ["string", "null"], "maxLength": 100},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": verdict,
                    "400": _error("Not a JSON object with a qr text"),
                    "413": _error("Body too large"),
                },
            }
        },
    }


def _list_paths() -> dict[str, Any]:
    """Return the revocation lists' operations and this document's own."""
    return {
        "/api/v1/revocations": {
            "get": {
                "operationId": "revocationList",
                "summary": "Signed, versioned list of revoked labels and compromised keys (ETag)",
                "responses": {
                    "200": {"description": "The signed list", "content": _json("RevocationList")},
                    "304": {"description": "Not modified since the given ETag"},
                    "503": _error("The list cannot be signed now"),
                },
            }
        },
        "/api/v1/revocation-list": {
            "get": {
                "operationId": "signedRevocationList",
                "summary": "Revocation list for offline clients, a compact JWS (docs/revocation-list.md)",
                "parameters": [
                    {
                        "name": "since",
                        "in": "query",
                        "required": False,
                        "description": "The version the client holds: answer a delta from it",
                        "schema": {"type": "integer", "minimum": 0, "maximum": 2**53 - 1},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The full list or a delta, as a compact JWS (EdDSA)",
                        "content": {"application/jose": {"schema": {"type": "string"}}},
                    },
                    "304": {"description": "Not modified since the given ETag"},
                    "400": _error("since is not a whole number in range"),
                    "503": _error("The list cannot be signed now"),
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "openapiDocument",
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 description of this API",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }
