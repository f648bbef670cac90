"""What the portal's desks read from signing's tables: verification and registration per member, the
verifier's NACE scope, a competent body's intake log and its receipts.

Typed functions over ``approval``, ``verifier``, ``body_register`` and ``body_intake`` so that no
portal page writes SQL (style rule 10); lists are limited and offset in the database.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import duckdb

from ecocluster.core.errors import UnknownId
from ecocluster.core.store.interface import ObjectStore
from ecocluster.signing import _stored
from ecocluster.signing._approval import ApprovalDecision
from ecocluster.signing._intake import check_country
from ecocluster.signing._records import active_verifiers
from ecocluster.warehouse import nace

PAGE_SIZE = 50


@dataclass(frozen=True)
class Intake:
    """One package a competent body took in, and what it decided."""

    package_sha256: str
    package_key: str
    member_id: str | None  # from the signed statement only; None when nothing verified
    outcome: str  # registered | renewed | refused
    rule: str | None  # the first refused rule
    retriable: bool
    registration_no: str | None
    reasons: tuple[str, ...]
    attempts: int
    received_at: dt.datetime


def member_decisions(con: duckdb.DuckDBPyConnection, cluster_id: str) -> dict[str, ApprovalDecision]:
    """Each member's latest recorded verifier decision for its latest year."""
    rows = con.execute(
        "SELECT member_id, decision FROM approval WHERE cluster_id = ? QUALIFY row_number() OVER "
        "(PARTITION BY member_id ORDER BY reporting_year DESC, signed_at DESC) = 1",
        [cluster_id],
    ).fetchall()
    return {r[0]: ApprovalDecision(r[1]) for r in rows}


def member_registrations(con: duckdb.DuckDBPyConnection, cluster_id: str) -> dict[str, str]:
    """Each registered member's registration number (any competent body's register)."""
    rows = con.execute(
        "SELECT r.member_id, r.registration_no FROM body_register r JOIN member m USING (member_id) "
        "WHERE m.cluster_id = ? ORDER BY r.registration_no",
        [cluster_id],
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def verifier_nace_scope(con: duckdb.DuckDBPyConnection, accreditation_no: str) -> tuple[str, ...] | None:
    """The NACE codes of the verifier's registered, unrevoked certificates; None when none is registered
    (the scope is then unknown, not "everything": rule nace-scope still decides at approval)."""
    found = [v for v in active_verifiers(con) if v.accreditation_no == accreditation_no]
    return tuple(sorted({code for v in found for code in v.nace_scope})) if found else None


def in_nace_scope(activity: str, scope: tuple[str, ...]) -> bool:
    """Whether a member's NACE code falls under one of the scope's codes, as rule nace-scope judges it
    (``ecocluster.warehouse.nace.covers``: a section covers its divisions)."""
    return any(nace.covers(code, activity.strip()) for code in scope)


def body_intakes(
    con: duckdb.DuckDBPyConnection, country: str, *, page: int = 0, page_size: int = PAGE_SIZE
) -> list[Intake]:
    """One page of the packages the country's competent body took in, newest first."""
    rows = con.execute(
        "SELECT package_sha256, package_key, member_id, outcome, rule, "
        "retriable, registration_no, reasons, attempts,"
        " received_at FROM body_intake WHERE country = ? ORDER BY "
        "received_at DESC, package_sha256 LIMIT ? OFFSET ?",
        [check_country(country), page_size, max(page, 0) * page_size],
    ).fetchall()
    return [
        Intake(r[0], r[1], r[2], r[3], r[4], r[5], r[6], tuple(str(x) for x in json.loads(r[7])), r[8], r[9])
        for r in rows
    ]


def intake_receipt(
    con: duckdb.DuckDBPyConnection, store: ObjectStore, country: str, package_sha256: str
) -> tuple[str, bytes]:
    """(file name, bytes) of the body's latest signed receipt for a package, read as pinned at writing;
    :class:`UnknownId` for a package this body has no receipt for."""
    row = con.execute(
        "SELECT receipt_key FROM body_intake WHERE country = ? AND package_sha256 = ?",
        [check_country(country), package_sha256],
    ).fetchone()
    if row is None:
        raise UnknownId(
            f"the {country} competent body has taken in no package {package_sha256[:16]}…; see its intake log"
        )
    return row[0].rsplit("/", 1)[-1], _stored.read(con, store, row[0])
