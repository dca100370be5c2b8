"""Validation against the official EPCIS 2.0 JSON schema (``schema/SOURCE.txt`` says where the
file comes from), with formats (``uri``, ``date-time``) checked."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import jsonschema_rs

# A capture answer names the first problems; a malformed document can have thousands.
MAX_PROBLEMS = 10


@functools.cache
def _validator() -> Any:
    text = resources.files(__package__).joinpath("schema/epcis-json-schema.json").read_text("utf-8")
    return jsonschema_rs.validator_for(json.loads(text), validate_formats=True)


def problems(document: object) -> list[str]:
    """Return why ``document`` is not a valid EPCIS 2.0 document or event (at most
    :data:`MAX_PROBLEMS` lines, each with the JSON path), or ``[]`` when it is."""
    found = []
    for error in _validator().iter_errors(document):
        path = "/".join(str(part) for part in error.instance_path) or "(document)"
        found.append(f"{path}: {error.message}")
        if len(found) == MAX_PROBLEMS:
            break
    return found
