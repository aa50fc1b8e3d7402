"""pksb-reflect: mentor-style feedback on CILIP Professional Registration statements.

The public API is small and typed: `assess` reads a statement and returns an `Assessment`
(pydantic, JSON-serialisable); `classify_sentences` and `map_sentences` expose the reflection
classifier and the PKSB mapper on their own. Heavy libraries (spaCy, torch,
sentence-transformers) load only when one of these is first called.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "assess": "pksb_reflect.api",
    "assess_many": "pksb_reflect.api",
    "AssessOptions": "pksb_reflect.api",
    "Assessment": "pksb_reflect.results",
    "classify_sentences": "pksb_reflect.analysis.reflection.classifier",
    "map_sentences": "pksb_reflect.analysis.mapping.core",
    "PksbError": "pksb_reflect.errors",
    "InputError": "pksb_reflect.errors",
    "UsageError": "pksb_reflect.errors",
    "ModelError": "pksb_reflect.errors",
}

__all__ = [
    "AssessOptions",
    "Assessment",
    "InputError",
    "ModelError",
    "PksbError",
    "UsageError",
    "__version__",
    "assess",
    "assess_many",
    "classify_sentences",
    "map_sentences",
]

if TYPE_CHECKING:
    from pksb_reflect.analysis.mapping.core import map_sentences
    from pksb_reflect.analysis.reflection.classifier import classify_sentences
    from pksb_reflect.api import AssessOptions, assess, assess_many
    from pksb_reflect.errors import InputError, ModelError, PksbError, UsageError
    from pksb_reflect.results import Assessment


def __getattr__(name: str) -> Any:
    """Import on first use, so `import pksb_reflect` stays fast."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pksb_reflect' has no attribute {name!r}")
    return getattr(import_module(module), name)
