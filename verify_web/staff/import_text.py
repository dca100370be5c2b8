"""The bulk import's row outcomes in the reader's language (the admin page and the CLI's dry
run). The services' English templates are catalogue keys, as for every form error."""

from __future__ import annotations

from flask_babel import gettext

from traceability import ValidationError
from traceability.services.bulk_import import RowOutcome
from traceability.spreadsheet import HEADERS


def error_text(error: ValidationError) -> str:
    """One error of a row: the spreadsheet column, then what is wrong with it."""
    column = HEADERS.get(error.field, error.field)
    return str(
        gettext("%(column)s: %(message)s", column=column, message=gettext(error.template, **error.params))
    )


def actions(outcome: RowOutcome) -> list[str]:
    """What importing the row does, step by step (empty for a row with errors)."""
    if not outcome.ok:
        return []
    steps = []
    if outcome.producer == "new":
        steps.append(gettext("new producer “%(name)s”", name=outcome.producer_name))
    elif outcome.producer == "row":
        steps.append(gettext("producer of row %(row)d", row=outcome.producer_row or 0))
    else:
        steps.append(gettext("registered producer “%(name)s”", name=outcome.producer_name))
    if outcome.product == "new":
        steps.append(gettext("new product “%(name)s”", name=outcome.product_name))
    else:
        steps.append(gettext("registered product “%(name)s”", name=outcome.product_name))
    if outcome.certification == "new":
        steps.append(gettext("new %(stars)d★ certification", stars=outcome.stars or 0))
    elif outcome.certification == "existing":
        steps.append(gettext("certification already recorded"))
    return [str(s) for s in steps]


def outcome_text(outcome: RowOutcome) -> str:
    """One line for the terminal: the row, then its steps or its errors."""
    if outcome.ok:
        return str(gettext("Row %(row)d: %(steps)s", row=outcome.number, steps="; ".join(actions(outcome))))
    errors = "; ".join(error_text(e) for e in outcome.errors)
    return str(gettext("Row %(row)d: ERROR %(errors)s", row=outcome.number, errors=errors))
