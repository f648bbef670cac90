"""HTML with Jinja2 and PDF with typst, from one view.

typst was chosen over WeasyPrint by measurement (benchmarks/RESULTS.md, "Statements"): on these
templates it compiles a statement some 30–60 times faster and its PDF is byte-stable when given a
fixed timestamp. The typst compiler is kept per process (it caches fonts and templates between
documents) and uses only the fonts built into typst, so the bytes do not depend on which fonts a
machine happens to have.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import typst

from ecocluster.core.errors import EcoclusterError

_TEMPLATES = Path(str(resources.files("ecocluster.statements").joinpath("templates")))


class RenderFailed(EcoclusterError):
    """A template could not be rendered: a bug in the templates, not in member data."""


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@lru_cache(maxsize=1)
def _jinja() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["svg_data_uri"] = _svg_data_uri
    return env


@lru_cache(maxsize=4)
def _compiler(root: Path) -> typst.Compiler:
    return typst.Compiler(root=str(root), ignore_system_fonts=True)


def html(subject: str, view: dict[str, Any]) -> bytes:
    try:
        return _jinja().get_template(f"{subject}.html.j2").render(v=view).encode("utf-8")
    except jinja2.TemplateError as e:
        raise RenderFailed(f"HTML template {subject}.html.j2: {e}") from e


def pdf(subject: str, view: dict[str, Any], on: date | str) -> bytes:
    return typst_pdf(_TEMPLATES / f"{subject}.typ", view, on)


def typst_pdf(template: Path, data: dict[str, Any], on: date | str) -> bytes:
    """``template`` compiled with ``data`` as JSON in ``sys.inputs.view``, dated ``on``
    (midnight UTC) in its metadata so reruns give the same bytes. Other stages' documents (the
    Annex VI application) use it too, so every PDF ecocluster makes is deterministic the same way."""
    day = date.fromisoformat(on) if isinstance(on, str) else on
    stamp = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    inputs = json.dumps(data, ensure_ascii=False, sort_keys=True)
    try:
        result = _compiler(template.parent).compile(
            input=str(template), sys_inputs={"view": inputs}, timestamp=stamp
        )
    except typst.TypstError as e:
        raise RenderFailed(f"typst template {template.name}: {e}") from e
    assert isinstance(result, bytes)
    return result
