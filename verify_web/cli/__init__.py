"""The ``ocop`` command's groups, each in its own module; :func:`register` adds them to the app.

The entry point that builds the app and runs them is :mod:`verify_web.command`, so this package
never imports the app factory that imports it.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import (
        backupcmd,
        dbcmd,
        demo,
        importcmd,
        issuecmd,
        keyscmd,
        partnerscmd,
        registrycmd,
        reportscmd,
        revokecmd,
        scanscmd,
        usercmd,
        verifycmd,
    )

    app.cli.add_command(dbcmd.group)
    app.cli.add_command(keyscmd.group)
    app.cli.add_command(registrycmd.registry)
    registrycmd.registry.add_command(importcmd.import_file)
    registrycmd.registry.add_command(importcmd.import_template)
    app.cli.add_command(verifycmd.verify)
    app.cli.add_command(demo.demo)
    app.cli.add_command(usercmd.group)
    app.cli.add_command(revokecmd.revoke)
    app.cli.add_command(revokecmd.reinstate)
    app.cli.add_command(issuecmd.issue_cmd)
    app.cli.add_command(issuecmd.reprint_cmd)
    app.cli.add_command(backupcmd.backup_cmd)
    app.cli.add_command(backupcmd.restore_cmd)
    app.cli.add_command(reportscmd.group)
    app.cli.add_command(scanscmd.group)
    app.cli.add_command(partnerscmd.group)
