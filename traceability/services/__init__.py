"""Registry services. Each takes a ``Session``, never creates or commits one, and raises
:mod:`traceability.exc` errors."""
