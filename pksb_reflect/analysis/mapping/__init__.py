"""The PKSB mapper: sentences, paragraphs, documents and evidence items placed on the framework.

models (settings and results) · prototypes (the shipped framework vectors and area models) ·
lexical (TF-IDF model and context cues) · references (PKSB numbers and names, both numberings) ·
scoring (sentence scores) · coverage (paragraphs, documents, evidence items) · fit (build
time only). Importing this package is cheap: no torch, sentence-transformers or scikit-learn.
"""

from pksb_reflect.analysis.mapping.coverage import main_areas, map_document, map_texts
from pksb_reflect.analysis.mapping.models import (
    DEFAULT_EXPECTED,
    DEFAULT_PARAMS,
    AreaCoverage,
    Explanation,
    ExplicitReference,
    LabelScore,
    MappingParams,
    NumberingNote,
    NumberReading,
    ParagraphCoverage,
    PksbCoverage,
    SentenceMapping,
    TextMapping,
)
from pksb_reflect.analysis.mapping.prototypes import Prototypes, check_version, load_prototypes
from pksb_reflect.analysis.mapping.references import find_references
from pksb_reflect.analysis.mapping.scoring import map_vectors

__all__ = [
    "DEFAULT_EXPECTED",
    "DEFAULT_PARAMS",
    "AreaCoverage",
    "Explanation",
    "ExplicitReference",
    "LabelScore",
    "MappingParams",
    "NumberReading",
    "NumberingNote",
    "ParagraphCoverage",
    "PksbCoverage",
    "Prototypes",
    "SentenceMapping",
    "TextMapping",
    "check_version",
    "find_references",
    "load_prototypes",
    "main_areas",
    "map_document",
    "map_texts",
    "map_vectors",
]
