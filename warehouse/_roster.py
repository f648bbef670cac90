"""Cluster rosters: the coordinator's register of a cluster, its members, sites and open cycles.

A roster is authoritative for its cluster: re-sending it updates members and opens cycles, and
sending the same bytes again changes nothing. Member submissions are refused for members or
years a roster does not know, which is what keeps strangers' data out of a cluster.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import duckdb

from ecocluster.core.errors import RowError
from ecocluster.warehouse import messages, nace
from ecocluster.warehouse.db import insert_rows
from ecocluster.warehouse.indicators import OUTPUTS
from ecocluster.warehouse.messages import N_, LocalisedRowError

# Member, cluster and site ids name folders, object keys, package files and receipts: ASCII letters
# and digits in parts joined by one '.', '_' or '-' (no '/', no '..', no space or control character,
# no look-alike letters from other scripts), as in roster.schema.json.
ID_PATTERN = r"^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$"
ID_MAX = 64
_ID = re.compile(ID_PATTERN)
_ID_RULE = N_(
    "must be at most {max} ASCII letters and digits, in parts joined by a single '.', '_' or '-' "
    "(e.g. IT-CL-CERRETO-H01): it names folders and files"
)
_ID_PARAMS = {"max": str(ID_MAX)}
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LANG = re.compile(r"^[a-z]{2}$")
_SIZE = ("micro", "small", "medium", "large")
_KINDS = ("annual", "three-year")
OUTPUT_CODES = frozenset(o.code for o in OUTPUTS)

_CLUSTER = ("cluster_id", "name", "country", "language", "territory", "kind", "promoting_body", "description")
_PROGRAMME = ("cluster_id", "objective_id", "description", "indicator", "target_value", "target_year")
_MEMBER = (
    "member_id",
    "legal_name",
    "country",
    "nace",
    "sector",
    "employees",
    "size_class",
    "public_body",
    "language",
    "emas_reg_no",
    "registered_on",
    "derogation",
    "significant_env_risk",
    "b_indicator",
    "address",
)


def is_id(value: Any) -> bool:
    """Whether ``value`` is a safe member, cluster or site id (see :data:`ID_PATTERN`)."""
    return isinstance(value, str) and len(value) <= ID_MAX and _ID.fullmatch(value) is not None


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return dt.date.fromisoformat(str(value))


def language_of(doc: dict[str, Any]) -> str:
    """The language a roster's refusals are worded in when each party's own is asked: its cluster's,
    where the roster gives a supported one, else English."""
    cluster = doc.get("cluster")
    return messages.language_of(cluster.get("language") if isinstance(cluster, dict) else None)


def validate(name: str, doc: dict[str, Any]) -> list[RowError]:
    """Every problem of a roster document, in the coordinator's words (translatable msgids)."""
    errors: list[RowError] = []

    def refuse(message: str, params: dict[str, str] | None = None, **where: Any) -> None:
        errors.append(LocalisedRowError.of(name, message, params or {}, **where))

    def need(
        part: str,
        row: int | None,
        obj: dict[str, Any],
        key: str,
        ok: bool = True,
        why: str = "",
        params: dict[str, str] | None = None,
    ) -> None:
        value = obj.get(key)
        if value in (None, ""):
            refuse(N_("is required"), part=part, row=row, column=key)
        elif not ok:
            refuse(why, params, part=part, row=row, column=key, value=str(value)[:80])

    cluster = doc.get("cluster")
    if not isinstance(cluster, dict):
        return [LocalisedRowError.of(name, N_("'cluster' must be an object"), {}, part="key cluster")]
    need("key cluster", None, cluster, "cluster_id", is_id(cluster.get("cluster_id")), _ID_RULE, _ID_PARAMS)
    need("key cluster", None, cluster, "name")
    need(
        "key cluster",
        None,
        cluster,
        "country",
        bool(_COUNTRY.fullmatch(str(cluster.get("country")))),
        N_("must be a two-letter country code such as IT"),
    )
    need(
        "key cluster",
        None,
        cluster,
        "language",
        bool(_LANG.fullmatch(str(cluster.get("language")))),
        N_("must be a two-letter language code such as it"),
    )
    for i, cycle in enumerate(doc.get("cycles") or [], start=1):
        need(
            "key cycles",
            i,
            cycle,
            "reporting_year",
            isinstance(cycle.get("reporting_year"), int),
            N_("must be a year such as 2025"),
        )
        need("key cycles", i, cycle, "kind", cycle.get("kind") in _KINDS, N_("must be annual or three-year"))
        need(
            "key cycles",
            i,
            cycle,
            "opened_on",
            _valid_date(cycle.get("opened_on")),
            N_("must be a date YYYY-MM-DD"),
        )
    members = doc.get("members")
    if not isinstance(members, list) or not members:
        refuse(N_("a roster lists at least one member"), part="key members")
        return errors
    outputs = {"outputs": ", ".join(sorted(o.code for o in OUTPUTS))}
    for i, m in enumerate(members, start=1):
        part = "key members"
        if not isinstance(m, dict):
            refuse(N_("each member must be an object"), part=part, row=i)
            continue
        need(part, i, m, "member_id", is_id(m.get("member_id")), _ID_RULE, _ID_PARAMS)
        need(part, i, m, "legal_name")
        need(
            part,
            i,
            m,
            "country",
            bool(_COUNTRY.fullmatch(str(m.get("country")))),
            N_("must be a two-letter country code"),
        )
        need(
            part,
            i,
            m,
            "nace",
            nace.is_code(m.get("nace")) and len(str(m.get("nace"))) >= 2,
            N_("must be a NACE code (a NACE Rev. 2 division, group or class) such as 55.10"),
        )
        if "nace_rev21" in m and nace.is_code(m.get("nace")) and len(str(m.get("nace"))) >= 2:
            candidates = nace.rev21_candidates(m["nace"])
            if m["nace_rev21"] not in candidates:
                refuse(
                    N_(
                        "must be one of the NACE Rev. 2.1 codes that NACE Rev. 2 {nace} corresponds to "
                        "in Eurostat's table: {candidates}"
                    ),
                    {"nace": m["nace"], "candidates": ", ".join(candidates)},
                    part=part,
                    row=i,
                    column="nace_rev21",
                )
        need(part, i, m, "sector")
        need(
            part,
            i,
            m,
            "employees",
            isinstance(m.get("employees"), int) and m["employees"] >= 0,
            N_("must be a whole number of employees"),
        )
        need(
            part,
            i,
            m,
            "size_class",
            m.get("size_class") in _SIZE,
            N_("must be micro, small, medium or large"),
        )
        need(
            part,
            i,
            m,
            "language",
            bool(_LANG.fullmatch(str(m.get("language")))),
            N_("must be a two-letter language code"),
        )
        need(
            part,
            i,
            m,
            "b_indicator",
            m.get("b_indicator") in OUTPUT_CODES,
            N_("must be one of {outputs}"),
            outputs,
        )
        for flag in ("public_body", "derogation", "significant_env_risk"):
            if not isinstance(m.get(flag), bool):
                refuse(N_("must be true or false"), part=part, row=i, column=flag)
        if "publish" in m and not isinstance(m["publish"], bool):
            refuse(N_("must be true or false"), part=part, row=i, column="publish")
        if m.get("registered_on") not in (None, "") and not _valid_date(m.get("registered_on")):
            refuse(N_("must be a date YYYY-MM-DD"), part=part, row=i, column="registered_on")
        for j, site in enumerate(m.get("sites") or [], start=1):
            if not isinstance(site, dict):
                refuse(N_("each site must be an object"), part=f"key members[{i}].sites", row=j)
                continue
            need(
                f"key members[{i}].sites",
                j,
                site,
                "site_id",
                is_id(site.get("site_id")),
                _ID_RULE,
                _ID_PARAMS,
            )
            need(f"key members[{i}].sites", j, site, "name")
    return errors


def _valid_date(value: Any) -> bool:
    try:
        return _date(value) is not None
    except ValueError:
        return False


def conflicts(
    con: duckdb.DuckDBPyConnection, name: str, doc: dict[str, Any], claimed: dict[str, str]
) -> list[RowError]:
    """Members that another cluster already claims: in the warehouse, or in ``claimed`` (member →
    cluster of the rosters accepted earlier in the same batch, which are not stored yet)."""
    cluster_id = doc["cluster"]["cluster_id"]
    ids = [m["member_id"] for m in doc["members"]]
    stored = con.execute(
        "SELECT member_id, cluster_id FROM member WHERE member_id IN (SELECT unnest(?)) AND cluster_id <> ?",
        [ids, cluster_id],
    ).fetchall()
    taken = dict(stored) | {m: claimed[m] for m in ids if claimed.get(m, cluster_id) != cluster_id}
    dupes = {x for x in ids if ids.count(x) > 1}
    errors: list[RowError] = [
        LocalisedRowError.of(
            name, N_("member is already in cluster {other}"), {"other": other}, part="key members", value=mid
        )
        for mid, other in sorted(taken.items())
    ]
    return errors + [
        LocalisedRowError.of(name, N_("member_id appears twice"), {}, part="key members", value=mid)
        for mid in sorted(dupes)
    ]


def load(con: duckdb.DuckDBPyConnection, rosters: list[tuple[str, dict[str, Any]]]) -> None:
    """Upsert the rows of valid (sha256, roster) pairs, in the caller's transaction, one statement
    per table for the whole batch (per roster they cost ~25 ms: 26 s for the EU's 1,046 clusters).

    A later roster of the same cluster in the batch replaces an earlier one, as if sent after it.
    """
    latest = {doc["cluster"]["cluster_id"]: (sha, doc) for sha, doc in rosters}
    clusters = [[doc["cluster"].get(k) for k in _CLUSTER] + [sha] for sha, doc in latest.values()]
    insert_rows(con, "cluster", (*_CLUSTER, "roster_sha256"), clusters, replace=True)
    con.execute("DELETE FROM cluster_programme WHERE cluster_id IN (SELECT unnest(?))", [list(latest)])
    insert_rows(
        con,
        "cluster_programme",
        _PROGRAMME,
        [
            (
                cid,
                p["objective_id"],
                p["description"],
                p.get("indicator"),
                p.get("target_value"),
                p.get("target_year"),
            )
            for cid, (_, doc) in latest.items()
            for p in doc["cluster"].get("programme") or []
        ],
    )
    insert_rows(
        con,
        "cycle",
        ("cluster_id", "reporting_year", "kind", "opened_on"),
        [
            (cid, y["reporting_year"], y["kind"], _date(y["opened_on"]))
            for cid, (_, doc) in latest.items()
            for y in doc.get("cycles") or []
        ],
        replace=True,
    )
    members = []
    for cid, (sha, doc) in latest.items():
        for m in doc["members"]:
            row = [m.get(k) for k in _MEMBER] + [cid, sha]
            row[_MEMBER.index("registered_on")] = _date(row[_MEMBER.index("registered_on")])
            members.append(row)
    insert_rows(con, "member", (*_MEMBER, "cluster_id", "roster_sha256"), members, replace=True)
    insert_rows(
        con,
        "member_consent",
        ("member_id", "publish", "roster_sha256"),
        [
            (m["member_id"], m.get("publish", False), sha)
            for sha, doc in latest.values()
            for m in doc["members"]
        ],
        replace=True,
    )
    insert_rows(
        con,
        "member_nace_rev21",
        ("member_id", "nace_rev21", "roster_sha256"),
        [(m["member_id"], m.get("nace_rev21"), sha) for sha, doc in latest.values() for m in doc["members"]],
        replace=True,
    )
    sites = {
        s["site_id"]: (s["site_id"], m["member_id"], s["name"], s.get("address"), sha)
        for sha, doc in latest.values()
        for m in doc["members"]
        for s in m.get("sites") or []
    }
    insert_rows(
        con,
        "site",
        ("site_id", "member_id", "name", "address", "roster_sha256"),
        list(sites.values()),
        replace=True,
    )
