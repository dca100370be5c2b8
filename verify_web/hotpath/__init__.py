"""The verify path's machinery: every trick that makes a scan cheap, and the measured reason for
each (figures from ``docs/performance.md``, "Verify site", measured with
``bench/bench_verify.py`` or its in-process twin).

In this package:

- :mod:`.verdict_cache` — each worker remembers the verdict of a code and its lot's journey
  until the registry version, the key set or the calendar day changes (the version is read
  with the label in the request's one statement, a primary-key lookup of the counter row since
  revision 0015, so a new revocation shows at once on every worker). Pages are drawn as
  a shell with slots once per verdict, language and version, and only the history sentence is
  written per request: scan page 1.18 → 0.78 ms in process.
- :mod:`.scan_recorder` and :mod:`.scanwriter` — a verification only puts its scan row on
  this worker's queue; one thread writes batches (lingering 250 ms instead of 50 ms: the
  writer's cost per row fell from 39 to 18 µs at 160 instead of 40 rows a batch), locks the
  batch's labels first and writes each label once, keeping its clone signals on the label
  row so a repeat verification costs one primary-key read (JSON 0.91 → 0.63 ms in process;
  with traffic over 1,000 labels 0.53× → 0.58× of the trivial route). A row the database
  keeps rejecting is given up after ``MAX_TRIES``.

- :mod:`.requestless` with :mod:`verify_web.fastpath` — the two requests a scan makes
  (``GET /V/<digits>``, ``GET /api/v1/verify/<digits>``) answered in an app context, without
  Flask's request context, dispatch, hooks and response object, and with the views' own code
  (``bench/bench_verify_inprocess.py``, request thread CPU: hot JSON 339 → 153 µs on SQLite
  and 666 → 323 on PostgreSQL, cold page 527 → 345 and 901 → 528; ``docs/performance.md``,
  "The verify fast path").

Kept lower, where the layers allow (see the import contract in ``pyproject.toml``), and
listed here so the tricks are read in one place:

- :mod:`verify_web.core.db` ``reading()`` — one autocommit Core connection per thread instead
  of an ORM session per request (pool checkout and session commit cost more than the read);
  with :class:`traceability.prepared.PreparedRead` (the driver's cursor with SQLAlchemy's own
  type processors, used by :mod:`traceability.services.verify_read`): label read 23 → 7 µs,
  history 44 → 10 µs. On PostgreSQL it is one libpq call (:mod:`traceability.libpq`: client
  CPU a read ~40 → ~15 µs), and the scan writer's batch is one statement for its scans and
  one for its labels (:mod:`traceability.batched`: a first scan's client and server CPU 108 →
  77 µs).
- :mod:`verify_web.core.forksafe` — the process id kept by a fork hook: ``os.getpid()`` is a
  system call under current glibc and ran twice per scan.
- :mod:`verify_web.core.query_args` — asking before reading ``lang``, ``province`` or a
  cookie: werkzeug's ``MultiDict.get`` raises and catches ``BadRequestKeyError`` for each
  missing one.
- :mod:`verify_web.public.verdict_text` — the catalogue of each language kept per worker:
  Flask-Babel looked it up again on every call, about 60 per scan page; the history sentence
  without Jinja (42 → 6 µs).
- ``labels.signer.code_digest`` — a stored HMAC digest of each issued code recognises it
  without an Ed25519 verify: the cold JSON verify is 0.62 ms against 0.50 ms for a label
  already judged.
"""
