"""Archive-timestamp renewal of everything in write-once storage, beside the locked originals.

Object Lock keeps the validated PDF of each approval and each delivered package as written; a new
version of the same key would be one more thing for every reader to choose between (reads are
pinned to the recorded version, :mod:`ecocluster.signing._stored`). So a renewal is a sidecar:
its own object under ``archive-renewals/<original key>/``, locked and pinned like the original,
and a row of ``archive_renewal`` (migration 027) linking it to the original and the generation it
extends. :func:`renew` renews whatever's newest document timestamp expires within the horizon;
a rerun finds everything covered beyond it and writes nothing (``archive_cover`` keeps when
each original stops being covered, so a monthly run reads only what is due or new).
:func:`archived` reads the chain back, oldest first, each generation checked to extend the one
before (:func:`ecocluster.signing._archive.check_extension`); :func:`valid_chain` keeps the generations
up to the first one that does not, so a forged or altered renewal cannot hide the original.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from ecocluster.core.errors import StoredObjectChanged
from ecocluster.core.home import Home
from ecocluster.core.store.interface import ObjectStore
from ecocluster.signing import _stored
from ecocluster.signing._archive import (
    PDF_MEMBER,
    RenewalRefused,
    check_extension,
    check_package_extension,
    extend_pdf,
    newest_timestamp_expiry,
    renewed_package,
)
from ecocluster.signing._package import read_tar
from ecocluster.signing._verify import TrustAnchors
from ecocluster.warehouse.db import transaction

PREFIX = "archive-renewals/"  # outside every inbox: no listing of packages or approvals sees a renewal

# What is in write-once storage and carries a B-LTA PDF: approvals' signed PDFs, then packages
# (so a package reuses the renewal its approval's PDF got in the same run), with when each was last
# found covered until (archive_cover: what is not yet due is not read again).
_ORIGINALS = """
SELECT o.object_key, c.covered_until FROM (
    SELECT DISTINCT signed_pdf_key AS object_key, 'pdf' AS kind FROM approval WHERE signed_pdf_key IS NOT NULL
    UNION ALL
    SELECT DISTINCT package_key, 'package' FROM registration_package
) o LEFT JOIN archive_cover c USING (object_key)
ORDER BY o.kind DESC, o.object_key
"""
_COVER = """
INSERT INTO archive_cover VALUES (?, ?)
ON CONFLICT (object_key) DO UPDATE SET covered_until = excluded.covered_until
"""


@dataclass(frozen=True)
class Renewal:
    """One generation written by :func:`renew`."""

    original_key: str
    generation: int
    key: str
    covered_until: dt.datetime


@dataclass(frozen=True)
class RenewalRun:
    """What a run did: the originals due (key, when their newest timestamp's TSA certificate
    expires), the renewals written (none in a dry run), how many objects were covered beyond the
    horizon, and the originals left alone because a recorded renewal does not extend its original."""

    due: tuple[tuple[str, dt.datetime], ...]
    renewed: tuple[Renewal, ...]
    covered: int
    refused: tuple[RenewalRefused, ...] = ()


def archive_renew_days(home: Home) -> int:
    """``[signing] archive_renew_days``: the renewal horizon in days."""
    return home.config().signing.archive_renew_days


def _kind(key: str) -> str:
    return "package" if key.endswith(".tar") else "pdf"


def renewal_key(original_key: str, generation: int, data: bytes) -> str:
    """Where generation ``generation`` of ``original_key`` goes; its digest in the name, so a run
    that died between writing and recording writes its next attempt beside, not over, the first."""
    suffix = ".tar" if _kind(original_key) == "package" else ".pdf"
    return f"{PREFIX}{original_key}/{generation}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"


def valid_chain(
    con: duckdb.DuckDBPyConnection, store: ObjectStore, key: str
) -> tuple[list[tuple[str, bytes]], RenewalRefused | None]:
    """(key, bytes) of the original and each recorded renewal, oldest first, each read pinned, up to
    the first renewal that does not extend the generation before (or whose stored bytes changed);
    that one's refusal, naming its key, or None. The original itself is read as any stored object
    (a change to it raises :class:`StoredObjectChanged`)."""
    chain = [(key, _stored.read(con, store, key))]
    rows = con.execute(
        "SELECT renewal_key FROM archive_renewal WHERE original_key = ? ORDER BY generation", [key]
    ).fetchall()
    check = check_package_extension if _kind(key) == "package" else check_extension
    for (renewal,) in rows:
        try:
            data = _stored.read(con, store, renewal)
            check(chain[-1][1], data)
        except StoredObjectChanged as e:
            return chain, RenewalRefused("stored", renewal, str(e))
        except RenewalRefused as e:
            return chain, RenewalRefused(e.rule, renewal, e.message)
        chain.append((renewal, data))
    return chain, None


def archived(con: duckdb.DuckDBPyConnection, store: ObjectStore, key: str) -> list[tuple[str, bytes]]:
    """:func:`valid_chain`, refusing the whole chain (:class:`RenewalRefused`, naming the renewal)
    when a recorded renewal does not extend the generation before."""
    chain, refused = valid_chain(con, store, key)
    if refused is not None:
        raise refused
    return chain


_PACKAGE_OF_PDF = """
SELECT p.package_key FROM approval a JOIN registration_package p USING (approval_id)
WHERE a.signed_pdf_key = ? ORDER BY p.built_at DESC LIMIT 1
"""


def as_packages(
    con: duckdb.DuckDBPyConnection, store: ObjectStore, key: str
) -> tuple[list[tuple[str, bytes]], RenewalRefused | None]:
    """:func:`valid_chain` of ``key`` as packages to verify, oldest first: a package's own chain, or
    for an approval's validated PDF each of its generations placed in the package built for that
    approval (so a PDF is checked with everything its package binds it to). KeyError: no package
    holds that PDF yet."""
    if _kind(key) == "package":
        return valid_chain(con, store, key)
    row = con.execute(_PACKAGE_OF_PDF, [key]).fetchone()
    if row is None:
        raise KeyError(key)
    chain, refused = valid_chain(con, store, key)
    package = _stored.read(con, store, row[0])
    if read_tar(package)[PDF_MEMBER] != chain[0][1]:
        raise RenewalRefused("package", row[0], f"its validated PDF is not {key}")
    packages = [(key, package)]
    packages += [(renewal, renewed_package(package, pdf)) for renewal, pdf in chain[1:]]
    return packages, refused


def _pdf(key: str, data: bytes) -> bytes:
    return read_tar(data)[PDF_MEMBER] if _kind(key) == "package" else data


def renew(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    trust: TrustAnchors,
    tsa_url: str,
    *,
    within: dt.timedelta,
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
    dry_run: bool = False,
) -> RenewalRun:
    """Renew every original whose newest document timestamp's TSA certificate expires before
    ``now + within``: a new generation with the last timestamp's validation data and a new
    document timestamp from ``tsa_url``, written beside the original and recorded. ``dry_run``:
    only say what is due (no TSA asked, nothing written). An original whose recorded chain is
    broken is left alone and reported in :attr:`RenewalRun.refused`. A TSA or store that fails
    raises (transient) after the renewals before it were kept; the failing one wrote nothing, or
    a locked object no row points at (a store that failed after the put), never read."""
    horizon = (now or dt.datetime.now(dt.UTC)) + within
    extended: dict[str, bytes] = {}  # SHA-256 of a PDF -> its renewal made in this run
    due: list[tuple[str, dt.datetime]] = []
    renewed: list[Renewal] = []
    refused: list[RenewalRefused] = []
    covered = 0
    for key, known in con.execute(_ORIGINALS).fetchall():
        if known is not None and known > horizon:  # found covered by an earlier run: not read again
            covered += 1
            continue
        chain, broken = valid_chain(con, store, key)
        current = chain[-1][1]
        pdf = _pdf(key, current)
        try:
            expiry = newest_timestamp_expiry(pdf) if broken is None else horizon
        except RenewalRefused as e:  # a PDF signed before attested time (B-B): nothing to extend
            broken = RenewalRefused(e.rule, chain[-1][0], e.message)
        if broken is not None:
            refused.append(broken)
            if progress:
                progress(f"{key}: not renewed, {broken}")
            continue
        if expiry > horizon:
            covered += 1
            if not dry_run:
                con.execute(_COVER, [key, expiry])
            continue
        due.append((key, expiry))
        if dry_run:
            if progress:
                progress(f"{key}: due, its newest timestamp's TSA certificate expires {expiry.date()}")
            continue
        digest = hashlib.sha256(pdf).hexdigest()
        if digest not in extended:
            extended[digest] = extend_pdf(pdf, tsa_url, trust)
        new_pdf = extended[digest]
        data = renewed_package(current, new_pdf) if _kind(key) == "package" else new_pdf
        renewal = Renewal(
            key, len(chain), renewal_key(key, len(chain), data), newest_timestamp_expiry(new_pdf)
        )
        stored = store.put(
            renewal.key,
            data,
            content_type="application/x-tar" if _kind(key) == "package" else "application/pdf",
        )
        with transaction(con):
            _stored.record(con, stored)
            con.execute(
                "INSERT INTO archive_renewal VALUES (?, ?, ?, ?, current_timestamp)",
                [key, renewal.generation, renewal.key, renewal.covered_until],
            )
            con.execute(_COVER, [key, renewal.covered_until])
        renewed.append(renewal)
        if progress:
            progress(f"{key}: renewal {renewal.generation}, covered until {renewal.covered_until.date()}")
    return RenewalRun(tuple(due), tuple(renewed), covered, tuple(refused))
