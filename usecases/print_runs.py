"""Printing a run: the one orchestration of issuing and reprinting labels that ``ocop issue`` /
``ocop reprint`` and the staff printing pages all call. After the caller planned the run
(:func:`usecases.issuance.plan_issue` / :func:`~usecases.reprinting.plan_reprint`) and chose a
design, it signs (or re-signs) the labels, hands them to one writer per output file, commits
the session and only then lets the files be seen.

Where the files go is the caller's :data:`Publish`: :func:`labels.runfiles.staged` for named
files, :func:`labels.runfiles.rendered` for a download. Either way a failure or a kill before
the commit leaves nothing recorded and no file under its final name, and a file under its final
name holds only committed labels (``tests/verify_web/cli/test_issue_kill.py`` kills the command
at each ``checkpoint``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from labels.layout import Design
from labels.output import Format, open_writer
from labels.render import PrintLabel
from labels.runfiles import write_all
from labels.serializer import LabelSerializer
from labels.signer import SigningKey
from usecases.issuance import BATCH, IssuePlan, issue
from usecases.reprinting import ReprintPlan, reprint

Publish = Callable[[Callable[[], None]], AbstractContextManager[Sequence[BinaryIO]]]
"""``publish(commit)`` opens the run's files (one per :class:`Output`, yielded in order), calls
``commit`` once they are completely written and only then makes them visible; on any error
before that, nothing is visible."""

Watch = Callable[[Iterable[PrintLabel]], Iterable[PrintLabel]]


@dataclass(frozen=True)
class Output:
    """One file of the run: its format, PNG resolution, and whether it shows scratch-off codes."""

    format: Format
    dpi: int = 300
    with_secret: bool = False


def _unwatched(labels: Iterable[PrintLabel]) -> Iterable[PrintLabel]:
    return labels


def _no_checkpoint(_stage: str) -> None:
    return None


@dataclass(frozen=True)
class Run:
    """How to write and publish a run, the same for issuing and reprinting.

    ``watch`` wraps the label stream (a progress bar); ``checkpoint(stage)`` is called at the
    stages ``writing`` (the first batch recorded and half written), ``rendered`` (files
    complete, not committed), ``committed`` (not yet visible) and ``published``.
    """

    design: Design
    outputs: Sequence[Output]
    publish: Publish
    serializer: LabelSerializer
    actor: str
    watch: Watch = _unwatched
    checkpoint: Callable[[str], None] = _no_checkpoint


def issue_run(
    session: Session,
    plan: IssuePlan,
    run: Run,
    *,
    key: SigningKey,
    digest_key: bytes,
    with_secret: bool = False,
) -> None:
    """Issue the plan's labels: sign and record them in ``session``, write every output, commit
    ``session``, then publish the files. Raises :class:`labels.exc.PayloadError` (a date the
    code cannot hold), the database's errors (numbers taken meanwhile) and what ``publish``
    raises; in every case nothing is committed and no file is visible."""
    labels = issue(
        session,
        plan,
        key=key,
        serializer=run.serializer,
        actor=run.actor,
        with_secret=with_secret,
        digest_key=digest_key,
    )
    _print(session, run, _checked(labels, run.checkpoint))


def reprint_run(
    session: Session, plan: ReprintPlan, run: Run, *, signer_for: Callable[[str], SigningKey]
) -> None:
    """Reprint the plan's labels (same serials, same codes; the reprint is audited), write every
    output, commit ``session``, then publish the files. Raises what ``signer_for`` and
    ``publish`` raise; nothing is committed then and no file is visible."""
    labels = reprint(session, plan, signer_for=signer_for, serializer=run.serializer, actor=run.actor)
    _print(session, run, labels)


def _checked(labels: Iterable[PrintLabel], checkpoint: Callable[[str], None]) -> Iterator[PrintLabel]:
    """Pass labels through, with the ``writing`` checkpoint after the first batch was recorded
    and half written."""
    for done, label in enumerate(labels, 1):
        if done == BATCH + 1:
            checkpoint("writing")
        yield label


def _print(session: Session, run: Run, labels: Iterable[PrintLabel]) -> None:
    def commit() -> None:
        run.checkpoint("rendered")
        session.commit()  # the labels are recorded before their files can be seen
        run.checkpoint("committed")

    with run.publish(commit) as files:
        writers = [
            open_writer(f, out.format, run.design, dpi=out.dpi, with_secret=out.with_secret)
            for f, out in zip(files, run.outputs, strict=True)
        ]
        write_all(run.watch(labels), writers)
        session.flush()  # surface database errors before anything is committed or published
    run.checkpoint("published")
