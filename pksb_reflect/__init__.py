"""pksb-reflect: mentor-style feedback on CILIP Professional Registration statements.

The public API is small and typed: `assess` reads a statement and returns an `Assessment`
(pydantic, JSON-serialisable); `assess_many` assesses a batch; `classify_sentences` and
`map_sentences` expose the reflection classifier and the PKSB mapper on their own; a `Runtime`
holds the loaded models for callers that want to share or scope them.

`import pksb_reflect` stays light (the CLI's `--help` must answer at once): each name below is
imported from its module on first access. No submodule shares a name with an export, so the
import system never binds a module over a function.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

_EXPORTS = {
    "AssessOptions": "pksb_reflect.api",
    "assess": "pksb_reflect.api",
    "assess_many": "pksb_reflect.api",
    "classify_sentences": "pksb_reflect.api",
    "map_sentences": "pksb_reflect.api",
    "Assessment": "pksb_reflect.results",
    "Runtime": "pksb_reflect.runtime",
    "PksbError": "pksb_reflect.errors",
    "InputError": "pksb_reflect.errors",
    "UsageError": "pksb_reflect.errors",
    "ModelError": "pksb_reflect.errors",
    "OutputError": "pksb_reflect.errors",
}

__all__ = [
    "AssessOptions",
    "Assessment",
    "InputError",
    "ModelError",
    "OutputError",
    "PksbError",
    "Runtime",
    "UsageError",
    "__version__",
    "assess",
    "assess_many",
    "classify_sentences",
    "map_sentences",
]

if TYPE_CHECKING:
    from pksb_reflect.api import (
        AssessOptions,
        assess,
        assess_many,
        classify_sentences,
        map_sentences,
    )
    from pksb_reflect.errors import InputError, ModelError, OutputError, PksbError, UsageError
    from pksb_reflect.results import Assessment
    from pksb_reflect.runtime import Runtime


def __getattr__(name: str) -> Any:
    """Import an exported name on first use and keep it, so later look-ups are plain."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pksb_reflect' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
