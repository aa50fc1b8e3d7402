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


@dataclass(frozen=True)
class Renderer:
    """One report format: where it is drawn and how its file is named and served."""

    name: str
    suffix: str
    media_type: str
    module: str
    summary: str

    def load(self) -> RenderFunction:
        function: RenderFunction = import_module(self.module).render
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
):
    register(_renderer)


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
