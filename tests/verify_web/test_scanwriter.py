"""The background scan writer loses nothing: many threads at once, then a close."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy.orm import Session

from tests.verify_web.conftest import Codes
from traceability.services import scans
from verify_web.scanwriter import ScanWriter


def test_concurrent_scans_all_written(app: Flask, codes: Codes, app_session: Session) -> None:
    label = codes.genuine_label
    writer = ScanWriter(app.extensions["ocop.engine"])

    def burst(n: int) -> None:
        for i in range(250):
            writer.submit(
                scans.scan_row(
                    serial=label.serial,
                    label_id=label.id,
                    verdict="genuine",
                    channel="api",
                    area=None,
                    device=None,
                    source_hash=f"t{n}-{i % 3}",
                )
            )

    threads = [threading.Thread(target=burst, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()  # drains the queue
    assert scans.count_scans(app_session, label_id=label.id) == 2000
    history = scans.scan_history(app_session, label.id)
    assert history.count == 2000  # the label counter agrees with the rows
