-- ecocluster warehouse, migration 001: the cluster roster, submissions and their sections.
-- Every data row carries the submission (content hash of the raw file) it came from and its
-- source row, so a check failure can be traced back to "file X, row N" and a corrected file
-- can supersede an earlier one without deleting history.

CREATE TABLE cluster (
    cluster_id      VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,
    country         VARCHAR NOT NULL,          -- ISO 3166-1 alpha-2
    language        VARCHAR NOT NULL,          -- ISO 639-1, language of the joint statement
    territory       VARCHAR,
    kind            VARCHAR,                   -- tourist district, park, municipalities, industrial district
    promoting_body  VARCHAR,
    description     VARCHAR,
    roster_sha256   VARCHAR NOT NULL           -- the roster file this row came from
);

CREATE TABLE cluster_programme (
    cluster_id      VARCHAR NOT NULL,
    objective_id    VARCHAR NOT NULL,
    description     VARCHAR NOT NULL,
    indicator       VARCHAR,
    target_value    DOUBLE,
    target_year     INTEGER,
    PRIMARY KEY (cluster_id, objective_id)
);

CREATE TABLE member (
    member_id       VARCHAR PRIMARY KEY,
    cluster_id      VARCHAR NOT NULL,
    legal_name      VARCHAR NOT NULL,
    country         VARCHAR NOT NULL,
    nace            VARCHAR NOT NULL,          -- NACE Rev.2 code, e.g. 55.10
    sector          VARCHAR NOT NULL,          -- peer group for benchmarks: hotel, ski_lift, municipality...
    employees       INTEGER NOT NULL,
    size_class      VARCHAR NOT NULL,          -- micro | small | medium | large
    public_body     BOOLEAN NOT NULL,
    language        VARCHAR NOT NULL,
    emas_reg_no     VARCHAR,                   -- NULL until first registration
    registered_on   DATE,
    derogation      BOOLEAN NOT NULL,          -- small-organisation derogation claimed (Art. 7)
    significant_env_risk BOOLEAN NOT NULL,     -- declared by the coordinator; excludes the derogation
    b_indicator     VARCHAR NOT NULL,          -- which output indicator is the B of R = A/B
    address         VARCHAR,
    roster_sha256   VARCHAR NOT NULL
);

CREATE TABLE site (
    site_id         VARCHAR PRIMARY KEY,
    member_id       VARCHAR NOT NULL,
    name            VARCHAR NOT NULL,
    address         VARCHAR,
    roster_sha256   VARCHAR NOT NULL
);

-- A cycle is opened by the coordinator for a cluster and a reporting year.
CREATE TABLE cycle (
    cluster_id      VARCHAR NOT NULL,
    reporting_year  INTEGER NOT NULL,
    kind            VARCHAR NOT NULL,          -- annual | three-year
    opened_on       DATE NOT NULL,
    PRIMARY KEY (cluster_id, reporting_year)
);

-- One row per accepted raw file (roster or member submission); the id is its SHA-256.
CREATE TABLE submission (
    submission_id   VARCHAR PRIMARY KEY,
    kind            VARCHAR NOT NULL,          -- roster | member
    filename        VARCHAR NOT NULL,
    format          VARCHAR NOT NULL,          -- csv | xlsx | json
    encoding        VARCHAR,
    size_bytes      BIGINT NOT NULL,
    received_at     TIMESTAMP NOT NULL,
    archive_key     VARCHAR NOT NULL,          -- raw file, unchanged, in the object store
    cluster_id      VARCHAR
);

-- Which (member, year, section) a submission covers. The newest submission for a
-- (member, year, section) is current; earlier ones point to the one that superseded them.
CREATE TABLE submission_part (
    submission_id   VARCHAR NOT NULL,
    member_id       VARCHAR NOT NULL,
    reporting_year  INTEGER NOT NULL,
    section         VARCHAR NOT NULL,
    seq             BIGINT NOT NULL,           -- arrival order, decides which is newest
    superseded_by   VARCHAR,
    PRIMARY KEY (submission_id, member_id, reporting_year, section)
);
CREATE SEQUENCE submission_seq;

-- Files that were refused, with every error, so a coordinator sees them in `status`.
CREATE TABLE rejected_file (
    sha256          VARCHAR PRIMARY KEY,
    filename        VARCHAR NOT NULL,
    rejected_at     TIMESTAMP NOT NULL,
    member_id       VARCHAR,
    n_errors        INTEGER NOT NULL,
    errors          JSON NOT NULL
);

CREATE TABLE member_profile (
    submission_id   VARCHAR NOT NULL,
    member_id       VARCHAR NOT NULL,
    reporting_year  INTEGER NOT NULL,
    activities      VARCHAR NOT NULL,
    policy          VARCHAR NOT NULL,
    governance      VARCHAR,
    contact         VARCHAR,
    source_row      INTEGER NOT NULL
);

-- Annex IV core indicators (A), outputs (B) and cluster indicators, as submitted and in the
-- indicator's canonical unit. A NULL value with a justification is a declared exclusion.
CREATE TABLE indicator_value (
    submission_id   VARCHAR NOT NULL,
    member_id       VARCHAR NOT NULL,
    reporting_year  INTEGER NOT NULL,
    site_id         VARCHAR,
    indicator       VARCHAR NOT NULL,
    value_submitted DOUBLE,
    unit_submitted  VARCHAR,
    value           DOUBLE,
    unit            VARCHAR NOT NULL,
    period_start    DATE,
    period_end      DATE,
    justification   VARCHAR,
    source_row      INTEGER NOT NULL
);

-- Obligations register: laws that apply and permits with limits and validity.
CREATE TABLE obligation (
    submission_id   VARCHAR NOT NULL,
    member_id       VARCHAR NOT NULL,
    reporting_year  INTEGER NOT NULL,
    obligation_id   VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,          -- permit | law
    title           VARCHAR NOT NULL,
    legal_reference VARCHAR NOT NULL,
    authority       VARCHAR,
    parameter       VARCHAR,
    limit_value_submitted DOUBLE,
    limit_unit_submitted  VARCHAR,
    limit_value     DOUBLE,                    -- in SI base units, comparable with measurement.value
    limit_unit      VARCHAR,
    valid_from      DATE,
    valid_until     DATE,
    source_row      INTEGER NOT NULL
);

CREATE TABLE measurement (
    submission_id   VARCHAR NOT NULL,
    member_id       VARCHAR NOT NULL,
    reporting_year  INTEGER NOT NULL,
    obligation_id   VARCHAR NOT NULL,
    site_id         VARCHAR,
    parameter       VARCHAR NOT NULL,
    measured_on     DATE NOT NULL,
    value_submitted DOUBLE NOT NULL,
    unit_submitted  VARCHAR NOT NULL,
    value           DOUBLE NOT NULL,           -- SI base units
    unit            VARCHAR NOT NULL,
    source_row      INTEGER NOT NULL
);

CREATE TABLE nonconformity (
    submission_id   VARCHAR NOT NULL,
    member_id       VARCHAR NOT NULL,
    reporting_year  INTEGER NOT NULL,
    nc_id           VARCHAR NOT NULL,
    severity        VARCHAR NOT NULL,          -- major | minor
    description     VARCHAR NOT NULL,
    opened_on       DATE NOT NULL,
    closed_on       DATE,
    corrective_action VARCHAR,
    source_row      INTEGER NOT NULL
);

-- Step-by-step approach (6 steps, 3 intermediate audits) and the Art. 4 prerequisites.
CREATE TABLE ems_milestone (
    submission_id   VARCHAR NOT NULL,
    member_id       VARCHAR NOT NULL,
    reporting_year  INTEGER NOT NULL,
    milestone       VARCHAR NOT NULL,
    completed_on    DATE,
    auditor         VARCHAR,                   -- third party, or a neighbouring member (cross-audit)
    evidence        VARCHAR,
    source_row      INTEGER NOT NULL
);

CREATE TABLE aspect (
    submission_id   VARCHAR NOT NULL,
    member_id       VARCHAR NOT NULL,
    reporting_year  INTEGER NOT NULL,
    aspect_id       VARCHAR NOT NULL,
    aspect          VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,          -- direct | indirect
    impact          VARCHAR NOT NULL,
    significant     BOOLEAN NOT NULL,
    source_row      INTEGER NOT NULL
);

CREATE TABLE objective (
    submission_id   VARCHAR NOT NULL,
    member_id       VARCHAR NOT NULL,
    reporting_year  INTEGER NOT NULL,
    objective_id    VARCHAR NOT NULL,
    description     VARCHAR NOT NULL,
    indicator       VARCHAR,
    baseline_value  DOUBLE,
    target_value    DOUBLE,
    target_year     INTEGER,
    status          VARCHAR,                   -- planned | in_progress | achieved | missed
    source_row      INTEGER NOT NULL
);

-- What the later stages read: only the rows of the newest submission per (member, year, section).
CREATE VIEW current_part AS SELECT * FROM submission_part WHERE superseded_by IS NULL;
CREATE VIEW current_member_profile AS SELECT t.* FROM member_profile t JOIN current_part p USING (submission_id, member_id, reporting_year) WHERE p.section = 'profile';
CREATE VIEW current_indicator_value AS SELECT t.* FROM indicator_value t JOIN current_part p USING (submission_id, member_id, reporting_year) WHERE p.section = 'indicators';
CREATE VIEW current_obligation AS SELECT t.* FROM obligation t JOIN current_part p USING (submission_id, member_id, reporting_year) WHERE p.section = 'obligations';
CREATE VIEW current_measurement AS SELECT t.* FROM measurement t JOIN current_part p USING (submission_id, member_id, reporting_year) WHERE p.section = 'measurements';
CREATE VIEW current_nonconformity AS SELECT t.* FROM nonconformity t JOIN current_part p USING (submission_id, member_id, reporting_year) WHERE p.section = 'nonconformities';
CREATE VIEW current_ems_milestone AS SELECT t.* FROM ems_milestone t JOIN current_part p USING (submission_id, member_id, reporting_year) WHERE p.section = 'milestones';
CREATE VIEW current_aspect AS SELECT t.* FROM aspect t JOIN current_part p USING (submission_id, member_id, reporting_year) WHERE p.section = 'aspects';
CREATE VIEW current_objective AS SELECT t.* FROM objective t JOIN current_part p USING (submission_id, member_id, reporting_year) WHERE p.section = 'objectives';
