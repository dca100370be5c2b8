"""The OCOP registry: producers, products, certifications, lots, labels, revocations, audit.

Services live in :mod:`traceability.services`; they take a SQLAlchemy ``Session`` owned by
the caller (a web request or a CLI command) and never commit it.
"""

from .db import make_engine, parse_database_url, upgrade
from .exc import Conflict, NotFound, RegistryError, StateError, ValidationError

__all__ = [
    "Conflict",
    "NotFound",
    "RegistryError",
    "StateError",
    "ValidationError",
    "make_engine",
    "parse_database_url",
    "upgrade",
]
