"""A warehouse holding the small statement cluster, and helpers to read what was rendered."""

from __future__ import annotations

import subprocess
from typing import Protocol

import duckdb
import pytest

from tests.statements import warehouse_rows


@pytest.fixture
def cluster_con(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    warehouse_rows.build(con)
    return con


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as poppler reads it: an independent reader, not our renderer."""
    done = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


class _Rendered(Protocol):
    @property
    def pdf_key(self) -> str | None: ...


def pdf_key(rendered: _Rendered) -> str:
    """The key of a rendered PDF (``str | None`` in the API: ``draft(..., pdf=False)`` renders none)."""
    assert rendered.pdf_key is not None, "rendered without a PDF"
    return rendered.pdf_key
