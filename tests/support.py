"""Paths the tests share; imported as a plain module (`from support import EXAMPLES`), like
`hostile`, because the tests run against the installed package, not as a package themselves."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
