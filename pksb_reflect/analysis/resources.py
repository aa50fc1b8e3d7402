"""What the analyses need loaded: the one interface between them and the Runtime.

Analyses take a `Resources` argument rather than reaching for process-wide singletons, so a
caller decides what is loaded and shared (pksb_reflect.runtime.Runtime is the implementation;
a test may pass its own).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from spacy.language import Language

    from pksb_reflect.analysis.mapping import Prototypes
    from pksb_reflect.analysis.reflection.classifier import ReflectionModel
    from pksb_reflect.analysis.segment import ParseCache
    from pksb_reflect.nlp.encoder import Encoder


class Resources(Protocol):
    """The loaded pipeline, encoder, classifier, framework prototypes and parse cache."""

    @property
    def nlp(self) -> Language: ...

    @property
    def encoder(self) -> Encoder: ...

    @property
    def classifier(self) -> ReflectionModel: ...

    @property
    def parsed(self) -> ParseCache: ...

    def prototypes(self, framework: str) -> Prototypes: ...
