"""Rate limits count in fixed windows; a test that crosses into the next window would see its
count start over and fail for no fault of the code."""

from __future__ import annotations

import time
from datetime import timedelta


def fresh_window(per: timedelta, *, margin: float = 20.0) -> None:
    """Sleep past the end of the current ``per`` window if it ends within ``margin`` seconds."""
    seconds = per.total_seconds()
    left = seconds - time.time() % seconds
    if left < margin:
        time.sleep(left + 0.5)
