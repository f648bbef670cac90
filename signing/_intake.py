"""The competent body's intake: verify each delivered package offline, register or renew, sign a receipt.

Registration numbers are ``<CC>-<6 digits>`` (like ISPRA's ``IT-000576``), allocated per country
in the body's register; a member already registered (in the register or in the roster's
``emas_reg_no``) keeps its number and is renewed. Each receipt or refusal is a DSSE envelope signed
with the competent body's key and written back under the cluster's prefix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import duckdb

from signing import _dsse, _stored
from signing._keys import competent_body
from signing._offline import verify_archive
from signing._verify import TrustAnchors
from signing.store.interface import ObjectStore
from warehouse.db import transaction
from warehouse.home import Home

RECEIPT_TYPE = "https://ecocluster.eu/emas/registration-receipt/v1"


@dataclass(frozen=True)
class Receipt:
    package_key: str
    member_id: str | None
    outcome: str  # registered | renewed | refused
    registration_no: str | None
    reasons: tuple[str, ...]
    receipt_key: str


def _registration_no(con: duckdb.DuckDBPyConnection, member_id: str, country: str) -> tuple[str, str]:
    known = con.execute(
        "SELECT registration_no FROM emas_register WHERE member_id = ? UNION ALL "
        "SELECT emas_reg_no FROM member WHERE member_id = ? AND emas_reg_no IS NOT NULL", [member_id, member_id]
    ).fetchone()
    if known:
        return known[0], "renewed"
    row = con.execute(
        "SELECT coalesce(max(TRY_CAST(split_part(registration_no, '-', 2) AS INTEGER)), 0) + 1 FROM ("
        "SELECT registration_no FROM emas_register WHERE country = ? UNION ALL "
        "SELECT emas_reg_no FROM member WHERE country = ? AND emas_reg_no IS NOT NULL)", [country, country]
    ).fetchone()
    return f"{country}-{int(row[0] if row else 1):06d}", "registered"


def intake(home: Home, con: duckdb.DuckDBPyConnection, store: ObjectStore, trust: TrustAnchors, country: str,
           cb_password: bytes, *, today: dt.date | None = None) -> list[Receipt]:
    """Take in every package under the country's inbox that has no receipt yet."""
    country = country.upper()
    today = today or dt.date.today()
    key, cert = competent_body(home, country, cb_password)
    done = {r[0] for r in con.execute("SELECT package_sha256 FROM intake_receipt").fetchall()}
    receipts = []
    # Pinned packages are read as written, even behind a newer version or a delete marker.
    for package_key, data in _stored.under(con, store, f"competent-body/{country}/inbox/"):
        digest = hashlib.sha256(data).hexdigest()
        if digest in done:
            continue
        report = verify_archive(data, trust)
        member = str(report.application.get("organisation", {}).get("id") or "") or None
        cluster = str(report.application.get("cluster") or package_key.split("/")[3])
        if report.ok and member:
            number, outcome = _registration_no(con, member, country)
        else:
            number, outcome = None, "refused"
        statement = {
            "_type": _dsse.STATEMENT_TYPE,
            "subject": [{"name": package_key, "digest": {"sha256": digest}}],
            "predicateType": RECEIPT_TYPE,
            "predicate": {"competentBody": cert.subject.rfc4514_string(), "country": country, "member": member,
                          "outcome": outcome, "registrationNo": number, "date": today.isoformat(),
                          "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in report.checks]},
        }
        receipt_key = f"clusters/{cluster}/receipts/{member or 'unknown'}-{digest[:12]}.{outcome}.dsse.json"
        store.put(receipt_key, _dsse.sign(statement, key).to_json(), content_type="application/json")
        with transaction(con):
            if number and member:
                con.execute("INSERT INTO emas_register VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (registration_no) "
                            "DO UPDATE SET last_renewed = excluded.last_renewed, "
                            "last_package_sha256 = excluded.last_package_sha256",
                            [number, member, country, today, today, digest])
            con.execute("INSERT INTO intake_receipt VALUES (?, ?, ?, ?, ?, ?, ?, current_timestamp)",
                        [digest, member, country, outcome, number, _dsse.canonical_json(report.reasons()).decode(),
                         receipt_key])
        receipts.append(Receipt(package_key, member, outcome, number, tuple(report.reasons()), receipt_key))
    return receipts
