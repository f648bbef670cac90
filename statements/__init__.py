"""Environmental statements: member and joint cluster statements as canonical JSON, HTML and PDF.

A statement's **id** is the SHA-256 of its canonical JSON (``statements/statement.schema.json``):
the bytes a verifier signs. The same warehouse state always gives the same JSON, HTML and PDF
bytes, in English, Italian or Latvian. Artefacts live in the object store under
``statements/<id>/``; the ``statement`` table holds one row per render.

Drafting (coordinator)::

    run = draft(con, home, cluster="IT-CL01")            # parallel, returns every render
    show(con, run.statements[0].statement_id)            # -> StatementVersion (keys, status)

Hand-off to the verifier (the signing stage)::

    v = submit(con, statement_id)                        # draft -> submitted
    data = load_json(store, v)                           # canonical bytes; sha256(data) == statement_id
    ...verifier signs sha256(data) and approves, or...
    reject(con, statement_id)                            # submitted -> rejected
    final = render_validated(con, store, statement_id,
                             VerifierBlock("Dr. A. Rossi", "IT-V-0042", date(2026, 3, 2)))
    store.get(final.pdf_key)                             # the PDF to PAdES-sign: verifier block
                                                         # filled, no DRAFT mark, dated validated_on

``render_validated`` stores a new version (the draft stays as history) and is idempotent for the
same verifier block. ``validated_pdf(load_json(store, v), block)`` gives the same PDF bytes without
storing or recording anything: what the verifier signs on their side before the pipeline records
the approval (the render is deterministic, so both sides get identical bytes). Superseded drafts (the data
changed and a newer draft exists) can be neither submitted nor validated: the error names the newer id.

A member's VSME report (EFRAG Digital Template and xBRL-JSON of B3–B7) from its statement::

    sid = member_statement_id(con, "IT-H01", 2025)       # validated render first, else newest draft
    export_vsme(json.loads(load_json(store, show(con, sid))), Path("out"))

``typst_pdf(template, data, on)`` compiles any typst template the way the statements are compiled
(built-in fonts only, fixed metadata date): other stages' PDFs use it to stay byte-deterministic.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from ecocluster.core.errors import ApprovalRefused, StoredObjectChanged
from ecocluster.core.home import Home
from ecocluster.core.store import ObjectStore
from ecocluster.statements._canonical import StatementInvalid, canonical_bytes, validate
from ecocluster.statements._desk import (
    awaiting_verification,
    cluster_statements,
    member_statements,
    member_statuses,
)
from ecocluster.statements._drafting import NothingToDraft, Progress, Selection, render, select
from ecocluster.statements._i18n import LANGUAGES, UnsupportedLanguage
from ecocluster.statements._inputs import inputs_mark, newer_inputs, record_inputs
from ecocluster.statements._publish import Artefacts, StatementKind, publish, render_statement
from ecocluster.statements._register import (
    CurrentDraft,
    StatementNotFound,
    StatementStatus,
    StatementVersion,
    TransitionRefused,
    check_transition,
    current,
    current_drafts,
    current_joint,
    listing,
    pdf_command,
    record_drafts,
    record_validated,
    set_status,
    superseded_by,
    with_stored_pdfs,
)
from ecocluster.statements._render import RenderFailed, typst_pdf
from ecocluster.statements._view import VerifierBlock
from ecocluster.statements._vsme import NaceUndecided, VsmeExport, export_vsme, member_statement_id
from ecocluster.warehouse.db import transaction


@dataclass(frozen=True)
class DraftRun:
    statements: tuple[Artefacts, ...]
    new: (
        int  # renders not seen before, or PDFs filled in on a review draft (0 on a rerun over unchanged data)
    )


def draft(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    *,
    member: str | None = None,
    cluster: str | None = None,
    year: int | None = None,
    language: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    pdf: bool = True,
    only_members: Sequence[str] | None = None,
) -> DraftRun:
    """Draft the selected statements (all open cycles by default) in ``language`` or each member's own.

    ``pdf=False`` stores JSON + HTML only: quick review drafts of a whole population (typst is most
    of a full draft's cost). Their rows have no PDF and cannot be submitted until a full draft of
    the same data fills the PDF in on the same row. ``only_members`` drafts some members of the
    selection, with their clusters' joint statements (see :func:`select`)."""
    selection = select(con, member, cluster, year, only_members)
    mark = inputs_mark(con)  # before reading: a file that arrives while rendering is not in these drafts
    renders = render(con, home, selection, language=language, workers=workers, progress=progress, pdf=pdf)
    renders.sort(key=lambda a: (a.cluster_id, a.subject, a.member_id or "", a.language))
    with transaction(con):
        new = record_drafts(con, renders)
        record_inputs(con, (r.statement_id for r in renders), mark)
    return DraftRun(tuple(with_stored_pdfs(con, renders)), new)


def draft_member(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    member: str,
    *,
    year: int | None = None,
    language: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    pdf: bool = True,
) -> DraftRun:
    """A member's statement with its cluster's joint statement, which sums and compares the member's
    figures: what ``ecocluster draft --member`` runs. Drafting the member alone would leave the joint
    statement showing the figures the member just corrected, with nothing saying it is out of date;
    so, as a rerun does, the joint statement is drafted again (in the cluster's language) with it."""
    row = con.execute("SELECT cluster_id FROM member WHERE member_id = ?", [member]).fetchone()
    if row is None:
        raise NothingToDraft(
            f"nothing to draft for {member}: no such member in the roster; check it with `ecocluster status`"
        )
    return draft(
        con,
        home,
        cluster=str(row[0]),
        year=year,
        language=language,
        workers=workers,
        progress=progress,
        pdf=pdf,
        only_members=[member],
    )


def show(con: duckdb.DuckDBPyConnection, statement_id: str) -> StatementVersion:
    return current(con, statement_id)


def locations(store: ObjectStore, version: StatementVersion) -> dict[str, str]:
    """Where each artefact is; a draft rendered without PDF has no ``pdf`` entry."""
    return {
        kind: store.location(key)
        for kind, key in (("json", version.json_key), ("html", version.html_key), ("pdf", version.pdf_key))
        if key is not None
    }


def load_json(store: ObjectStore, version: StatementVersion) -> bytes:
    """The canonical JSON, read by its id (its SHA-256): a newer version of the key is passed over, and a
    changed object is never signed."""
    try:
        return store.get(version.json_key, sha256=version.statement_id)
    except StoredObjectChanged as e:
        raise ApprovalRefused(f"{e}; redraft it with `ecocluster draft`") from e


def submit(con: duckdb.DuckDBPyConnection, statement_id: str) -> StatementVersion:
    return set_status(con, statement_id, StatementStatus.SUBMITTED)


def reject(con: duckdb.DuckDBPyConnection, statement_id: str) -> StatementVersion:
    return set_status(con, statement_id, StatementStatus.REJECTED)


def render_validated(
    con: duckdb.DuckDBPyConnection, store: ObjectStore, statement_id: str, verifier: VerifierBlock
) -> StatementVersion:
    """The final render with the verifier block filled and no DRAFT mark, as a new version."""
    base = current(con, statement_id)
    if base.status is StatementStatus.VALIDATED:
        if (base.verifier_name, base.accreditation_no, base.validated_on) == (
            verifier.name,
            verifier.accreditation_no,
            verifier.validated_on,
        ):
            return base
        raise TransitionRefused(
            f"statement {base.statement_id[:16]} is already validated by "
            f"{base.verifier_name} ({base.accreditation_no}) on {base.validated_on}"
        )
    check_transition(con, base, StatementStatus.VALIDATED)
    document = json.loads(load_json(store, base))
    rendered = publish(store, document, verifier)
    with transaction(con):
        return record_validated(
            con, base, rendered, verifier.name, verifier.accreditation_no, verifier.validated_on
        )


def validated_pdf(statement_json: bytes, verifier: VerifierBlock) -> bytes:
    """The validated PDF of a canonical statement, byte for byte what :func:`render_validated` stores."""
    rendered = render_statement(json.loads(statement_json), verifier)
    assert rendered.pdf is not None, "render_statement compiles the PDF by default"
    return rendered.pdf


__all__ = [
    "LANGUAGES",
    "Artefacts",
    "CurrentDraft",
    "DraftRun",
    "NaceUndecided",
    "NothingToDraft",
    "RenderFailed",
    "Selection",
    "StatementInvalid",
    "StatementKind",
    "StatementNotFound",
    "StatementStatus",
    "StatementVersion",
    "TransitionRefused",
    "UnsupportedLanguage",
    "VerifierBlock",
    "VsmeExport",
    "canonical_bytes",
    "check_transition",
    "current_drafts",
    "current_joint",
    "draft",
    "draft_member",
    "export_vsme",
    "inputs_mark",
    "listing",
    "load_json",
    "locations",
    "member_statement_id",
    "newer_inputs",
    "pdf_command",
    "record_inputs",
    "reject",
    "render_validated",
    "select",
    "show",
    "submit",
    "superseded_by",
    "typst_pdf",
    "validate",
    "validated_pdf",
]
__all__ += [
    "awaiting_verification",
    "cluster_statements",
    "member_statements",
    "member_statuses",
]  # the portal's desks
