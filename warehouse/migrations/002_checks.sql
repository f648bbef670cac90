-- ecocluster warehouse, migration 002: results of the Great Expectations checks.
-- A run covers one reporting year and a scope (whole year, clusters or members). Its id is a
-- content hash of what it read (current submissions, roster, thresholds, rule versions), so a
-- rerun on unchanged data gets the same id and rewrites the same rows instead of adding any.
-- check_member records, per (year, member), the run whose results are current for it; the
-- results of a member are replaced in one transaction whenever a later run covers it.

CREATE TABLE check_run (
    run_id          VARCHAR PRIMARY KEY,       -- sha256 of the inputs, thresholds and rules
    reporting_year  INTEGER NOT NULL,
    scope           VARCHAR NOT NULL,          -- "all", "cluster LV-01", "member IT-H01"...
    n_members       INTEGER NOT NULL,
    n_blocking      INTEGER NOT NULL,
    n_warning       INTEGER NOT NULL,
    gx_success      BOOLEAN NOT NULL,          -- GX's own verdict over all suites
    datadocs        VARCHAR,                   -- index.html of the GX Data Docs for the run
    last_run_at     TIMESTAMP NOT NULL
);

CREATE TABLE check_member (
    reporting_year  INTEGER NOT NULL,
    member_id       VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL,
    PRIMARY KEY (reporting_year, member_id)
);

CREATE TABLE check_result (
    run_id          VARCHAR NOT NULL,
    reporting_year  INTEGER NOT NULL,
    member_id       VARCHAR NOT NULL,
    suite           VARCHAR NOT NULL,          -- data_quality | completeness | plausibility | compliance
    expectation     VARCHAR NOT NULL,          -- rule name, e.g. compliance.permit_exceeded
    severity        VARCHAR NOT NULL,          -- blocking | warning
    indicator       VARCHAR,                   -- indicator code, obligation or milestone concerned
    submission_id   VARCHAR,                   -- source file (roster or member submission)
    source_row      INTEGER,                   -- row in that file
    observed        VARCHAR,
    expected        VARCHAR,
    explanation     VARCHAR NOT NULL           -- what is wrong and what to do, for the coordinator
);

-- What statements and signing ask: has the member been checked, and is anything blocking?
CREATE VIEW check_verdict AS
SELECT cm.reporting_year, cm.member_id, cm.run_id,
       count(r.expectation) FILTER (WHERE r.severity = 'blocking') AS n_blocking,
       count(r.expectation) FILTER (WHERE r.severity = 'warning') AS n_warning,
       count(r.expectation) FILTER (WHERE r.severity = 'blocking') = 0 AS cleared
FROM check_member cm
LEFT JOIN check_result r USING (reporting_year, member_id, run_id)
GROUP BY ALL;
