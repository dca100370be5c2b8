"""traceability.services.reports: a shopper's report, linked to a label when it names one."""

from __future__ import annotations

import pytest

from tests.support.factories import issue, make_world
from traceability import ValidationError
from traceability.services.reports import submit_report


def _report(session, **given):
    fields = {"code_text": "", "serial": None, "shop": "Chợ Hạ Long", "province": "Quảng Ninh"}
    fields |= {"note": None, "contact": None, "photo_path": None} | given
    return submit_report(session, **fields).report


def test_report_naming_our_label_is_linked(session, test_key):
    label = issue(session, make_world(session), test_key, count=1)[0]
    report = _report(session, serial=label.serial, note="Tem mờ")
    assert (report.label_id, report.status, report.note) == (label.id, "new", "Tem mờ")
    assert _report(session, serial=label.serial + 10**6).label_id is None  # a serial we never issued


@pytest.mark.parametrize(
    ("field", "given"),
    [("shop", {"shop": " "}), ("province", {"province": ""}), ("note", {"note": "x" * 2001})],
)
def test_bad_fields_are_named(session, field, given):
    with pytest.raises(ValidationError) as refused:
        _report(session, **given)
    assert refused.value.field == field
