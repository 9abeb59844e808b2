"""ISO 8601 timestamps as newsbeam's records keep them: a run manifest's launch time, a web archive's fetch time.

Plain and light (`newsbeam runs` imports it and answers in a fraction of a second).
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def utc_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 timestamp (`Z` or an offset, or none: then UTC) as an aware datetime; None when `value` is
    not one, so a hand-edited record or an odd header reads as unknown instead of failing."""
    if not isinstance(value, str):
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))  # Python 3.10 does not read `Z`
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
