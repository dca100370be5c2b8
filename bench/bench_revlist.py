"""How big the signed revocation list is at the programme's scale, and how long it takes to build.

The list holds revocations as entries (docs/revocation-list.md §2), never expanded into serials,
so its size depends on the number of revocations, not on the labels they hit: 16,000 products
with thousands of labels each only set the ids' widths. Scenarios, each on a fresh migrated
SQLite file holding the revocation rows (label_count > 0, as after real revocations):

- ``lots``: 10,000 revoked lots;
- ``mix``: 10,000 lots, 2,000 number ranges, 5,000 single codes, 200 products, 50 producers
  and one compromised key.

Each round, interleaved:
- build: ``usecases.revocation_list.build`` for the full list (read the entries, write the JSON, sign
  the JWS) plus the gzip the server keeps: what the first request of an hour costs a worker;
- baseline: ``revocation_feed.entries_at`` alone (reading the same rows): the floor.
Every round is printed, then medians, the ratio build / baseline, and the bytes: the JWS as
served, gzipped (what the server sends to a client accepting gzip), per entry, and a delta of
10 new lots and an empty delta (what a phone downloads on a later refresh).

    .venv/bin/python bench/bench_revlist.py [--rounds 5] [--scenario lots|mix|both]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from keys import PrivateKey, generate
from labels import revlist
from traceability import make_engine, upgrade
from traceability.models import Revocation, RevocationListState
from traceability.services import revocation_feed
from usecases import revocation_list

ISSUER = "https://XACTHUC.OCOP.VN"
NOW = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
SCENARIOS: dict[str, dict[str, int]] = {
    "lots": {"lot": 10_000},
    "mix": {"lot": 10_000, "range": 2_000, "label": 5_000, "product": 200, "producer": 50, "key": 1},
}
REASONS = ("recalled", "counterfeit", "damaged_or_lost", "withdrawn", "other")


def target_data(target: str, n: int) -> dict[str, Any]:
    """Ids as wide as the programme's: lots up to ~3 million, serials 60-bit."""
    if target == "label":
        return {"serial": (0x9E3779B97F4A7C15 * (n + 1)) % (1 << 60)}
    if target == "range":
        return {"lot_id": 1_000_000 + 97 * n, "first": 1 + n % 400, "last": 500 + n % 2_000}
    if target == "lot":
        return {"lot_id": 1_000_000 + 211 * n}
    if target == "product":
        return {"product_id": 1 + 79 * n}
    if target == "producer":
        return {"producer_id": 1 + 31 * n}
    return {"kid": f"{n:08x}"}


def populate(url: str, counts: dict[str, int]) -> int:
    """Write the revocation rows; return the version (one per revocation)."""
    engine = make_engine(url)
    upgrade(engine)
    rows = []
    for target, count in counts.items():
        for n in range(count):
            version = len(rows) + 1
            rows.append(
                {
                    "target": target,
                    "target_ref": f"{target} {n}",
                    "target_data": target_data(target, n),
                    "reason": "key_compromised" if target == "key" else REASONS[n % len(REASONS)],
                    "actor": "bench",
                    "created_at": NOW - timedelta(minutes=version),
                    "label_count": 1,
                    "listed_version": version,
                }
            )
    with Session(engine) as session:
        session.execute(insert(Revocation), rows)
        session.execute(update(RevocationListState).values(version=len(rows)))
        session.commit()
    engine.dispose()
    return len(rows)


def run(name: str, rounds: int, folder: Path) -> None:
    url = f"sqlite:///{folder / f'{name}.db'}"
    version = populate(url, SCENARIOS[name])
    engine = make_engine(url)
    signer = generate()
    issue = revlist.issue_for(ISSUER, version, NOW, 48)
    builds: list[float] = []
    reads: list[float] = []
    body = zipped = b""
    with Session(engine) as session:
        for n in range(1, rounds + 1):
            start = time.perf_counter()
            revocation_feed.entries_at(session, version)
            reads.append(time.perf_counter() - start)
            start = time.perf_counter()
            _, body = revocation_list.build(session, issue, None, signer)
            zipped = gzip.compress(body, compresslevel=6, mtime=0)
            builds.append(time.perf_counter() - start)
            build_ms, read_ms = builds[-1] * 1000, reads[-1] * 1000
            print(f"  {name} round {n}: build {build_ms:7.1f} ms   baseline {read_ms:7.1f} ms")
        later = revlist.issue_for(ISSUER, version, NOW + timedelta(hours=1), 48)
        empty = revocation_list.build(session, later, version, signer)[1]
        ten = ten_lot_delta(issue, version, signer)
    engine.dispose()
    entries = version
    build, read = statistics.median(builds), statistics.median(reads)
    print(
        f"{name}: {entries:,} entries, median build {build * 1000:.1f} ms, baseline {read * 1000:.1f} ms, "
        f"ratio {build / read:.2f}"
    )
    print(
        f"  full list: {len(body):,} B as served, {len(zipped):,} B gzipped "
        f"({len(body) / entries:.0f} B and {len(zipped) / entries:.1f} B per entry)"
    )
    print(
        f"  delta of 10 new lots: {len(ten):,} B ({len(gzip.compress(ten, 6, mtime=0)):,} B gzipped); "
        f"empty delta: {len(empty):,} B ({len(gzip.compress(empty, 6, mtime=0)):,} B gzipped)"
    )


def ten_lot_delta(issue: revlist.Issue, version: int, signer: PrivateKey) -> bytes:
    """A delta bringing ten newly revoked lots (built without the database: its bytes only)."""
    at = NOW + timedelta(minutes=5)
    entry = revocation_feed.FeedEntry
    added = [entry(version + k, "lot", {"lot": 2_900_000 + k}, "recalled", at) for k in range(1, 11)]
    after = revlist.Issue(issue.issuer, version + 10, issue.issued_at, issue.next_update)
    return revlist.sign_delta(after, revocation_feed.Delta(version, version + 10, added, []), signer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scenario", choices=["lots", "mix", "both"], default="both")
    args = parser.parse_args()
    names = list(SCENARIOS) if args.scenario == "both" else [args.scenario]
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            run(name, args.rounds, Path(folder))


if __name__ == "__main__":
    main()
