"""``/inspect``: the inspectors' area."""
