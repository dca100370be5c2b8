"""GS1 Digital Link on the verify site: the conformant resolver for ``/01/…`` (:mod:`.resolver`)
and the pages its links point to (:mod:`.pages`), one blueprint."""

from . import pages as _pages  # noqa: F401 - registers the pages' routes on the blueprint
from .resolver import bp

__all__ = ["bp"]
