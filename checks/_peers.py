"""The peers' ratios R = A/B a run compares its members with, computed once and kept (issue 14).

``plausibility.peer_outlier_*`` compares a member's ratio with the median of its ~20,000 sector
peers. Aggregating the peers' yearly totals again on every run made a one-member rerun in the
120,290-member warehouse spend ~10 s in DuckDB, for a correction that changes one member's ratios.
So each run stores the ratios it computed in ``check_peer_ratio`` with a stamp per member
(``check_peer_stamp``: an md5 of the member's roster row, its current indicator submissions of
the year and this module's ratio definition), and the next run reads a peer's stored ratios when
its stamp is unchanged. The run's own members and every peer whose stamp changed (or was never
stored) are computed from the warehouse as before, then stored. The stored values are the very
doubles the computation gives, so the medians, and every finding, are those of a run without
the cache (tests/checks/test_sample.py compares a one-member rerun with the whole-year run).
"""

from __future__ import annotations

import hashlib

import duckdb
import pyarrow as pa

from ecocluster.checks._rule import CATALOGUE_SQL, IN_BATCH, PEER_STAMPS, RUN_DB, RUN_TOTALS, SECTOR_PEERS
from ecocluster.warehouse.db import transaction

PEER_RATIOS = f"{RUN_DB}.peer_ratios"

# R per member and A indicator in the run's year, from the run's totals (the batch's members and
# the peers not cached). B is joined per member first, so the totals meet a table of one row per
# member instead of themselves.
_FRESH = f"""
    SELECT t.member_id, t.reporting_year, t.indicator, t.submission_id, t.source_row, mb.sector, mb.cluster_id,
           t.value / mb.b AS r, false AS cached
    FROM {RUN_TOTALS} t
    JOIN (SELECT m.member_id, m.sector, m.cluster_id, b.reporting_year, b.value AS b
          FROM member m JOIN {RUN_TOTALS} b ON b.member_id = m.member_id AND b.indicator = m.b_indicator
          WHERE b.value > 0) mb ON mb.member_id = t.member_id AND mb.reporting_year = t.reporting_year
    JOIN {CATALOGUE_SQL} ON cat.code = t.indicator AND cat.role = 'A' AND cat.unit <> 'percent'
    WHERE t.value > 0 AND t.reporting_year IN (SELECT yr.reporting_year FROM {{batch}} AS yr)"""  # noqa: E501  # SQL: wrapping a line would change the query text

# A stored ratio is only as good as the definition it was computed with.
_VERSION = hashlib.sha256(_FRESH.encode()).hexdigest()[:16]

# Each peer (for a whole-year run, each member) in the run's year with its current stamp, and
# whether its stored ratios stand for it: never for the run's own members.
_STAMPS = f"""
    SELECT s.member_id, s.reporting_year, s.stamp,
           NOT s.in_batch AND k.stamp IS NOT DISTINCT FROM s.stamp AS cached
    FROM (
        SELECT y.member_id, y.reporting_year, y.in_batch,
               md5('{_VERSION}|' || y.roster_sha256 || '|'
                   || coalesce(string_agg(p.submission_id, ',' ORDER BY p.submission_id), '')) AS stamp
        FROM (SELECT member_id, reporting_year, roster_sha256, {IN_BATCH} AS in_batch
              FROM (SELECT m.member_id, m.roster_sha256, yb.reporting_year
                    FROM member m CROSS JOIN (SELECT DISTINCT reporting_year FROM {{batch}} AS yb0) yb)
              WHERE {SECTOR_PEERS}) y
        LEFT JOIN current_part p ON p.member_id = y.member_id AND p.reporting_year = y.reporting_year
             AND p.section = 'indicators'
        GROUP BY y.member_id, y.reporting_year, y.in_batch, y.roster_sha256
    ) s
    LEFT JOIN check_peer_stamp k ON k.member_id = s.member_id AND k.reporting_year = s.reporting_year"""

# The run's members' ratios and their peers', computed or stored, with their logarithm.
_RATIOS = f"""
    SELECT *, ln(r) AS lr FROM (
        {_FRESH}
        UNION ALL
        SELECT c.member_id, c.reporting_year, c.indicator, NULL::VARCHAR, NULL::INTEGER, c.sector, c.cluster_id,
               c.r, true
        FROM check_peer_ratio c JOIN {PEER_STAMPS} s ON s.member_id = c.member_id
             AND s.reporting_year = c.reporting_year
        WHERE s.cached)"""  # noqa: E501  # SQL: wrapping a line would change the query text

STAMP_TABLES = ((PEER_STAMPS, _STAMPS),)
RATIO_TABLES = ((PEER_RATIOS, _RATIOS),)


def computed(reader: duckdb.DuckDBPyConnection) -> tuple[pa.Table, pa.Table]:
    """(stamps, ratios) this run computed rather than read: what :func:`store` keeps."""
    stamps = reader.execute(
        f"SELECT reporting_year, member_id, stamp FROM {PEER_STAMPS} WHERE NOT cached"
    ).fetch_arrow_table()
    ratios = reader.execute(
        "SELECT reporting_year, member_id, indicator, sector, cluster_id, r"
        f" FROM {PEER_RATIOS} WHERE NOT cached"
    ).fetch_arrow_table()
    return stamps, ratios


def store(con: duckdb.DuckDBPyConnection, stamps: pa.Table, ratios: pa.Table) -> None:
    """Replace the stored ratios of the members this run computed, all or nothing."""
    if stamps.num_rows == 0:
        return
    con.register("new_peer_stamps", stamps)
    con.register("new_peer_ratios", ratios)
    try:
        with transaction(con):
            for table in ("check_peer_ratio", "check_peer_stamp"):
                con.execute(  # a run covers one year
                    f"DELETE FROM {table} WHERE reporting_year IN"
                    " (SELECT reporting_year FROM new_peer_stamps)"
                    " AND member_id IN (SELECT member_id FROM new_peer_stamps)"
                )
            con.execute("INSERT INTO check_peer_stamp SELECT * FROM new_peer_stamps")
            con.execute("INSERT INTO check_peer_ratio SELECT * FROM new_peer_ratios")
    finally:
        con.unregister("new_peer_stamps")
        con.unregister("new_peer_ratios")
