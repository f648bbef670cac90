-- ecocluster warehouse, migration 030 (issue 14): the peers' ratios a check run computed, kept for
-- the next run. The plausibility.peer_outlier_* rules compare a member's R = A/B with the median
-- of its ~20,000 sector peers; aggregating their totals again made a one-member rerun in the
-- 120,290-member warehouse spend ~10 s in DuckDB. A run now reads a peer's ratios from here when
-- the peer's stamp (its roster row, its current indicator submissions of the year and the
-- ratio's definition) is the one stored with them, and computes them (and stores them) otherwise;
-- the run's own members are always computed. A cache: results are the same with it empty.
-- Owned by checks/_peers.py.

CREATE TABLE check_peer_stamp (
    reporting_year  INTEGER NOT NULL,
    member_id       VARCHAR NOT NULL,
    stamp           VARCHAR NOT NULL,          -- md5 of what the member's ratios were computed from
    PRIMARY KEY (reporting_year, member_id)
);

CREATE TABLE check_peer_ratio (
    reporting_year  INTEGER NOT NULL,
    member_id       VARCHAR NOT NULL,
    indicator       VARCHAR NOT NULL,
    sector          VARCHAR NOT NULL,
    cluster_id      VARCHAR NOT NULL,
    r               DOUBLE NOT NULL            -- A / B of the member's yearly totals
);
