"""Renderers: every report format is drawn from the one Assessment model.

Each format is one entry in `REGISTRY` (its name, file suffix, media type and the module that
draws it), so the CLI's choices, `review`'s file names and the web page's downloads all come from
one list. A renderer module is imported only when its format is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Protocol

from pksb_reflect.errors import UsageError

if TYPE_CHECKING:
    from pksb_reflect.results import Assessment


class RenderFunction(Protocol):
    def __call__(self, assessment: Assessment, *, color: bool = False) -> str: ...


class BytesFunction(Protocol):
    def __call__(self, assessment: Assessment, *, original: bytes | None = None) -> bytes: ...


@dataclass(frozen=True)
class Renderer:
    """One report format: where it is drawn and how its file is named and served."""

    name: str
    suffix: str
    media_type: str
    module: str
    summary: str
    binary: bool = False  # a file format (Word): its module has `render_bytes`, not `render`

    def load(self) -> RenderFunction:
        if self.binary:
            raise UsageError(f"the {self.name} report is a file, not text: write it with --out")
        function: RenderFunction = import_module(self.module).render
        return function

    def load_bytes(self) -> BytesFunction:
        function: BytesFunction = import_module(self.module).render_bytes
        return function


REGISTRY: dict[str, Renderer] = {}


def register(renderer: Renderer) -> None:
    """Add a format; a second format with the same name or suffix is a programming error."""
    if renderer.name in REGISTRY or any(r.suffix == renderer.suffix for r in REGISTRY.values()):
        raise ValueError(f"report format {renderer.name!r} or suffix {renderer.suffix} is taken")
    REGISTRY[renderer.name] = renderer


for _renderer in (
    Renderer("text", ".txt", "text/plain", "pksb_reflect.render.text", "plain text"),
    Renderer("json", ".json", "application/json", "pksb_reflect.render.json", "the JSON contract"),
    Renderer("markdown", ".md", "text/markdown", "pksb_reflect.render.markdown", "Markdown"),
    Renderer("html", ".html", "text/html", "pksb_reflect.render.html", "a web page"),
    Renderer(
        "docx",
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pksb_reflect.render.docx",
        "the statement as a Word file with the feedback as comments",
        binary=True,
    ),
):
    register(_renderer)


# The formats `render` draws as a string; the others (Word) are files, drawn by `render_bytes`.
TEXT_FORMATS: tuple[str, ...] = tuple(name for name, r in REGISTRY.items() if not r.binary)


def renderer_for(fmt: str) -> Renderer:
    """The registered format called `fmt`; UsageError names the choices otherwise."""
    try:
        return REGISTRY[fmt]
    except KeyError:
        raise UsageError(
            f"unknown report format {fmt!r}; choose one of {', '.join(REGISTRY)}"
        ) from None


def render(assessment: Assessment, fmt: str, *, color: bool = False) -> str:
    """The report as a string in the chosen format."""
    return renderer_for(fmt).load()(assessment, color=color)


def render_bytes(assessment: Assessment, fmt: str, *, original: bytes | None = None) -> bytes:
    """The report as the bytes of a file: UTF-8 for the text formats.

    `original` is the statement file's own bytes, which a binary format may need (the Word
    report copies a .docx statement); it must hash to `assessment.source.sha256`.
    """
    renderer = renderer_for(fmt)
    if renderer.binary:
        return renderer.load_bytes()(assessment, original=original)
    return render(assessment, fmt).encode("utf-8")
