"""One statement document → its three artefacts in the object store.

Keys are content-addressed: ``statements/<statement_id>/statement.json`` holds the canonical
bytes (whose SHA-256 is the id), and each render is stored under the SHA-256 of its own bytes,
so a validated render sits next to the draft without replacing it and a rerun writes nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from ecocluster.core.store import ObjectStore
from ecocluster.statements import _render
from ecocluster.statements._canonical import digest, normalise, normalised_bytes, validate
from ecocluster.statements._view import VerifierBlock, build_view

PREFIX = "statements"


class StatementKind(StrEnum):
    """A full environmental statement (the three-year cycle) or an updated one (the years between);
    the document's ``kind`` and the ``statement.kind`` column hold the value."""

    FULL = "full"
    UPDATED = "updated"


@dataclass(frozen=True)
class Artefacts:
    """Where one render of one statement was stored."""

    statement_id: str
    subject: str
    member_id: str | None
    cluster_id: str
    reporting_year: int
    kind: StatementKind
    language: str
    json_key: str
    html_key: str
    pdf_key: str | None  # None: a review draft rendered without PDF (``draft(..., pdf=False)``)
    pdf_sha256: str | None


def json_key(statement_id: str) -> str:
    return f"{PREFIX}/{statement_id}/statement.json"


@dataclass(frozen=True)
class Rendered:
    """One render in memory: the canonical bytes, its id, and the HTML and PDF made from them
    (no PDF when it was not asked for)."""

    document: dict[str, Any]
    data: bytes
    statement_id: str
    html: bytes
    pdf: bytes | None


def render_statement(
    document: dict[str, Any], verifier: VerifierBlock | None = None, *, pdf: bool = True
) -> Rendered:
    """The draft when ``verifier`` is None, else the validated render; stores nothing."""
    doc = normalise(document)
    validate(doc)
    data = normalised_bytes(doc)
    sid = digest(data)
    view = build_view(doc, sid, verifier)
    dated: date | str = verifier.validated_on if verifier else doc["document_date"]
    return Rendered(
        doc,
        data,
        sid,
        _render.html(doc["subject"], view),
        _render.pdf(doc["subject"], view, dated) if pdf else None,
    )


def publish(
    store: ObjectStore, document: dict[str, Any], verifier: VerifierBlock | None = None, *, pdf: bool = True
) -> Artefacts:
    """Render and store; the draft when ``verifier`` is None, else the validated render.
    ``pdf=False`` stores the JSON and HTML only (the same bytes as a full render's)."""
    r = render_statement(document, verifier, pdf=pdf)
    doc, sid, subject = r.document, r.statement_id, r.document["subject"]
    store.put(json_key(sid), r.data, content_type="application/json")
    html_key = f"{PREFIX}/{sid}/{digest(r.html)}.html"
    store.put(html_key, r.html, content_type="text/html; charset=utf-8")
    pdf_sha = pdf_key = None
    if r.pdf is not None:
        pdf_sha = digest(r.pdf)
        pdf_key = f"{PREFIX}/{sid}/{pdf_sha}.pdf"
        store.put(pdf_key, r.pdf, content_type="application/pdf")
    return Artefacts(
        statement_id=sid,
        subject=subject,
        member_id=doc["organisation"]["member_id"] if subject == "member" else None,
        cluster_id=doc["cluster"]["cluster_id"],
        reporting_year=doc["reporting_year"],
        kind=StatementKind(doc["kind"]),
        language=doc["language"],
        json_key=json_key(sid),
        html_key=html_key,
        pdf_key=pdf_key,
        pdf_sha256=pdf_sha,
    )
