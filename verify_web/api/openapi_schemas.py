"""The component schemas of the OpenAPI document (:mod:`.openapi`): JSON Schema 2020-12, so
tests validate real responses against them."""

from __future__ import annotations

from typing import Any

STATUS = {"type": "string", "enum": ["genuine", "expired", "revoked", "invalid"]}
DATE = {"type": "string", "format": "date"}
NULLABLE_TEXT = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "integer"},
                    "name": {"type": "string"},
                    "message": {"type": "string"},
                },
            }
        },
    },
    "Verdict": {
        "type": "object",
        "required": ["status", "state", "reason", "warnings", "checked_on", "label", "product", "scans"],
        "additionalProperties": False,
        "properties": {
            "status": STATUS,
            "state": {
                "type": "string",
                "enum": [
                    "genuine",
                    "expired",
                    "revoked",
                    "invalid",
                    "clone_suspected",
                    "foreign_domain",
                    "mistyped",
                ],
                "description": "what the headline says, never green unless genuine: foreign_domain when "
                "the scanned QR opens another address than ours (whatever the code's status: a phishing "
                "copy; only our own address is genuine), mistyped for a typed short code whose check "
                "character does not match (a typing mistake, not a fake: type it again), clone_suspected "
                "when a genuine code was scanned in a way one item cannot be (issued by the registry, but "
                "this item may carry a copy: check the package, buy from a trusted seller, report it), "
                "otherwise the status",
            },
            "reason": {
                **NULLABLE_TEXT,
                "description": "invalid: empty, too_long, not_a_label, bad_scheme, bad_length, bad_digits, "
                "out_of_range, unsupported_version, bad_field, unknown_key, bad_signature, "
                "unknown_serial, registry_mismatch, mistyped; "
                "revoked: counterfeit, recalled, withdrawn, damaged_or_lost, key_compromised, other; "
                "expired: past_date, withdrawn. "
                "mistyped (a typed short code whose check character does not match) proves a typing "
                "mistake, not a fake: ask for the code again and never warn about the product; a "
                "short code sent to GET /verify/{code} that is bad_length or bad_digits is a typing "
                "mistake too.",
            },
            "warnings": {
                "type": "array",
                "items": {
                    "type": "string",
                    "enum": ["foreign_domain", "past_best_before", "offline"],
                },
            },
            "checked_on": DATE,
            "scanned_base_url": NULLABLE_TEXT,
            "label": {
                "type": ["object", "null"],
                "required": ["serial", "short_code", "stars", "certified_until", "kid"],
                "properties": {
                    "serial": {
                        "type": "string",
                        "pattern": "^[0-9]+$",
                        "description": "the label's serial in decimal, as everywhere (docs/label-code.md §1)",
                    },
                    "short_code": {"type": "string", "description": "the short code printed on the label"},
                    "stars": {"type": "integer", "minimum": 3, "maximum": 5},
                    "certified_until": DATE,
                    "kid": {"type": "string"},
                },
            },
            "product": {
                "type": ["object", "null"],
                "required": ["name", "group", "producer", "stars", "certificate", "lot"],
                "properties": {
                    "name": {"type": "string"},
                    "group": {"type": "string"},
                    "stars": {"type": "integer", "minimum": 3, "maximum": 5},
                    "producer": {
                        "type": "object",
                        "required": ["name", "kind", "commune", "district", "province"],
                        "properties": {
                            "name": {"type": "string"},
                            "kind": {"type": "string"},
                            "commune": {"type": "string"},
                            "district": NULLABLE_TEXT,
                            "province": {"type": "string"},
                        },
                    },
                    "certificate": {
                        "type": "object",
                        "required": ["number", "level", "issued_on", "valid_until"],
                        "properties": {
                            "number": {"type": "string"},
                            "level": {"type": "string", "enum": ["district", "province", "central"]},
                            "issued_on": DATE,
                            "valid_until": DATE,
                        },
                    },
                    "lot": {
                        "type": "object",
                        "required": ["code", "produced_on", "best_before"],
                        "properties": {
                            "code": {"type": "string"},
                            "produced_on": DATE,
                            "best_before": {"type": ["string", "null"], "format": "date"},
                        },
                    },
                },
            },
            "scans": {
                "type": ["object", "null"],
                "required": [
                    "count",
                    "first_at",
                    "first_area",
                    "activated",
                    "claimed_at",
                    "clone_suspected",
                    "signals",
                ],
                "properties": {
                    "count": {"type": "integer", "minimum": 0},
                    "first_at": {"type": ["string", "null"], "format": "date-time"},
                    "first_area": {
                        **NULLABLE_TEXT,
                        "description": "the province of the first scan, when that phone shared its "
                        "location (never the province an API caller names)",
                    },
                    "activated": {"type": "boolean", "description": "the buyer claimed the item"},
                    "claimed_at": {"type": ["string", "null"], "format": "date-time"},
                    "clone_suspected": {"type": "boolean"},
                    "signals": {
                        "type": "array",
                        "items": {
                            "type": "string",
                            "enum": [
                                "many_sources",
                                "impossible_travel",
                                "back_and_forth",
                                "many_places",
                                "sources_at_once",
                                "many_sources_far",
                                "claimed_twice",
                            ],
                        },
                        "description": "see docs/clone-signals.md",
                    },
                },
            },
        },
    },
    "RevocationList": {
        "type": "object",
        "required": ["list", "alg", "kid", "signature"],
        "properties": {
            "alg": {"const": "EdDSA"},
            "kid": {"type": "string"},
            "signature": {
                "type": "string",
                "description": "Ed25519 over the UTF-8 JSON of `list` with sorted keys and no spaces",
            },
            "list": {
                "type": "object",
                "required": ["version", "issuer", "generated_at", "compromised_keys", "revoked"],
                "properties": {
                    "version": {"type": "integer", "minimum": 0},
                    "issuer": {"type": "string"},
                    "generated_at": DATE,
                    "compromised_keys": {"type": "array", "items": {"type": "string"}},
                    "revoked": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["serial", "reason", "revoked_at"],
                            "properties": {
                                "serial": {"type": "string", "pattern": "^[0-9]+$"},
                                "reason": {"type": "string"},
                                "revoked_at": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}
