"""The registry as EPCIS 2.0 (GS1, ISO/IEC 19987) with the Core Business Vocabulary: identifiers,
the mapping of journey steps, issue runs and revocations to ObjectEvents, query parameters,
capture checks and the official JSON schema. Pure: no Flask, no database (the services in
:mod:`traceability.services.epcis_events` and :mod:`traceability.services.epcis_capture` read
and write). ``docs/epcis.md`` is the reference."""
