"""Warehouse rows for flow tests, inserted with SQL (the one place these tests build data by hand)."""

from __future__ import annotations

import datetime as dt

import duckdb

from ecocluster.warehouse.indicators import MILESTONES


def add_cluster(con: duckdb.DuckDBPyConnection, cluster_id: str = "IT-CL", country: str = "IT") -> None:
    con.execute(
        "INSERT INTO cluster (cluster_id, name, country, language, roster_sha256) VALUES (?, ?, ?, ?, 'r')",
        [cluster_id, f"Cluster {cluster_id}", country, country.lower()],
    )


def add_member(
    con: duckdb.DuckDBPyConnection,
    member_id: str,
    *,
    cluster_id: str = "IT-CL",
    registered_on: dt.date | None = None,
    derogation: bool = False,
    risk: bool = False,
    size_class: str = "small",
) -> None:
    con.execute(
        "INSERT INTO member (member_id, cluster_id, legal_name, country, nace, sector, employees, size_class,"
        " public_body, language, emas_reg_no, registered_on, derogation, significant_env_risk, b_indicator,"
        " roster_sha256) VALUES (?, ?, ?, 'IT', '55.10', 'hotel', 12, ?, false, 'it', ?, ?, ?, ?,"
        " 'output.employees', 'r')",
        [
            member_id,
            cluster_id,
            f"{member_id} S.r.l.",
            size_class,
            f"IT-{member_id}" if registered_on else None,
            registered_on,
            derogation,
            risk,
        ],
    )


def add_milestones(
    con: duckdb.DuckDBPyConnection,
    member_id: str,
    year: int,
    *,
    skip: tuple[str, ...] = (),
    completed_on: dt.date | None = None,
) -> None:
    """A current milestones submission for ``member_id`` with every milestone done except ``skip``."""
    sid = f"sub-{member_id}-{year}"
    done = completed_on or dt.date(year, 6, 30)
    con.execute(
        "INSERT INTO submission_part VALUES (?, ?, ?, 'milestones', nextval('submission_seq'), NULL)",
        [sid, member_id, year],
    )
    con.executemany(
        "INSERT INTO ems_milestone VALUES (?, ?, ?, ?, ?, 'third party', 'report', 1)",
        [[sid, member_id, year, m, None if m in skip else done] for m in MILESTONES],
    )
