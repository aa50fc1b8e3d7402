"""The one check every lexicon in pksb_data/ runs on its regular expressions when it loads."""

from __future__ import annotations

import re
from collections.abc import Iterable


def check_patterns(patterns: Iterable[str], where: str = "") -> None:
    """ValueError naming the first pattern that does not compile (and where it was found)."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            place = f" for {where}" if where else ""
            raise ValueError(f"bad pattern {pattern!r}{place}: does not compile ({exc})") from None
