"""The loaded models and caches that assessments share: built once, on first use, under locks.

A `Runtime` holds the spaCy pipeline, the sentence encoder (with its embedding cache), the
reflection classifier, the PKSB prototypes of each framework version and the parse cache of
paragraphs already seen. `assess`, `assess_many`, `review` and `serve` take one; without one
they use the process's default runtime. Each part is built the first time it is needed, by one
thread while others wait, so four threads assessing at once load each model once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from spacy.language import Language

    from pksb_reflect.analysis.mapping import Prototypes
    from pksb_reflect.analysis.reflection.classifier import ReflectionModel
    from pksb_reflect.analysis.segment import ParseCache
    from pksb_reflect.nlp.encoder import Encoder

T = TypeVar("T")


class Runtime:
    """Models and caches for one process or one server; safe to share between threads.

    `disk_cache=False` keeps sentence embeddings in memory only (the CLI's `--no-cache`):
    nothing is read from or written to the on-disk cache.
    """

    def __init__(self, *, disk_cache: bool = True) -> None:
        self.disk_cache = disk_cache
        self._built: dict[str, object] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.loads: dict[str, int] = {}

    def _once(self, key: str, build: Callable[[], T]) -> T:
        """The part called `key`, built by the first caller only (double-checked locking)."""
        if key in self._built:
            return self._built[key]  # type: ignore[return-value]
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._built:
                self._built[key] = build()
                self.loads[key] = self.loads.get(key, 0) + 1
        return self._built[key]  # type: ignore[return-value]

    @property
    def nlp(self) -> Language:
        """The English spaCy pipeline with pksb-reflect's components."""
        from pksb_reflect.nlp.pipeline import load_pipeline

        return self._once("nlp", load_pipeline)

    @property
    def encoder(self) -> Encoder:
        """The sentence encoder and its cache (on disk unless `disk_cache` is off)."""
        from pksb_reflect.nlp.cache import open_disk_cache
        from pksb_reflect.nlp.encoder import Encoder

        return self._once(
            "encoder", lambda: Encoder(open_disk_cache() if self.disk_cache else None)
        )

    @property
    def classifier(self) -> ReflectionModel:
        """The reflection classifier shipped in models/reflection, sha256-checked."""
        from pksb_reflect.analysis.reflection.classifier import load_model

        return self._once("classifier", load_model)

    def prototypes(self, framework: str) -> Prototypes:
        """The PKSB framework's vectors and area models for one version."""
        from pksb_reflect.analysis.mapping import load_prototypes

        return self._once(f"prototypes:{framework}", lambda: load_prototypes(framework))

    @property
    def parsed(self) -> ParseCache:
        """Paragraphs already parsed: a re-checked draft parses only what changed."""
        from pksb_reflect.analysis.segment import ParseCache

        return self._once("parsed", ParseCache)


_default: Runtime | None = None
_default_guard = threading.Lock()


def default_runtime() -> Runtime:
    """The runtime used when a caller passes none: created on first use, then shared."""
    global _default
    with _default_guard:
        if _default is None:
            _default = Runtime()
        return _default
