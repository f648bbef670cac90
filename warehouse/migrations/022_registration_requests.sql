-- ecocluster warehouse, migration 022: request types, waiting periods, suspension and deletion
-- (issue 18). Owned by signing/_intake.py, signing/_feed.py and signing/_overdue.py.

-- The register keeps what the request types compare a new package with (all from signed
-- statements taken in), the entry's status, and when its next updated statement is due.
ALTER TABLE body_register ADD COLUMN status VARCHAR DEFAULT 'active';  -- active | suspended | deleted
ALTER TABLE body_register ADD COLUMN status_since DATE;
ALTER TABLE body_register ADD COLUMN legal_name VARCHAR;               -- NULL: taken in before 022
ALTER TABLE body_register ADD COLUMN nace VARCHAR;
ALTER TABLE body_register ADD COLUMN site_ids JSON;
ALTER TABLE body_register ADD COLUMN last_reporting_year INTEGER;
ALTER TABLE body_register ADD COLUMN next_due DATE;                    -- the next updated statement
UPDATE body_register SET status = 'active', status_since = first_registered;

-- Intake answers now include "waiting" (received; no number before the profile's waiting period
-- ends) and every kind of request; the signed facts of a waiting request are kept to complete it.
CREATE TABLE body_intake_022 (
    country          VARCHAR NOT NULL,
    package_sha256   VARCHAR NOT NULL,
    package_key      VARCHAR NOT NULL,
    approval_sha256  VARCHAR,
    member_id        VARCHAR,
    outcome          VARCHAR NOT NULL,
    rule             VARCHAR,
    retriable        BOOLEAN NOT NULL,
    registration_no  VARCHAR,
    reasons          JSON NOT NULL,
    receipt_key      VARCHAR NOT NULL,
    attempts         INTEGER NOT NULL,
    received_at      TIMESTAMP NOT NULL,
    request_type     VARCHAR,                   -- NULL for a refusal before the facts verified
    received_on      DATE,                      -- the body's date of receipt (the waiting period's start)
    waiting_until    DATE,                      -- first day the request may be decided
    facts            JSON,                      -- the signed statement's facts, for completing a waiting request
    PRIMARY KEY (country, package_sha256),
    CHECK (outcome IN ('waiting', 'registered', 'updated', 'renewed', 'extended', 'transferred', 'refused'))
);
INSERT INTO body_intake_022
SELECT country, package_sha256, package_key, approval_sha256, member_id, outcome, rule, retriable,
       registration_no, reasons, receipt_key, attempts, received_at,
       CASE outcome WHEN 'registered' THEN 'first-registration' WHEN 'renewed' THEN 'renewal' END,
       CAST(received_at AS DATE), NULL, NULL
FROM body_intake;
DROP TABLE body_intake;
ALTER TABLE body_intake_022 RENAME TO body_intake;

-- Feed rows carry the entry's status after the change and every action.
CREATE TABLE body_register_change_022 (
    change_no            BIGINT PRIMARY KEY DEFAULT nextval('body_register_change_no'),
    country              VARCHAR NOT NULL,
    change_date          DATE NOT NULL,
    action               VARCHAR NOT NULL,
    member_id            VARCHAR NOT NULL,
    registration_no      VARCHAR NOT NULL,
    serial               BIGINT NOT NULL,
    first_registered     DATE NOT NULL,
    last_renewed         DATE NOT NULL,
    last_approval_sha256 VARCHAR NOT NULL,
    status               VARCHAR NOT NULL DEFAULT 'active',
    CHECK (action IN ('registered', 'updated', 'renewed', 'extended', 'transferred', 'suspended', 'deleted')),
    CHECK (status IN ('active', 'suspended', 'deleted'))
);
INSERT INTO body_register_change_022
SELECT change_no, country, change_date, action, member_id, registration_no, serial, first_registered,
       last_renewed, last_approval_sha256, 'active'
FROM body_register_change;
DROP TABLE body_register_change;
ALTER TABLE body_register_change_022 RENAME TO body_register_change;

-- Notices before an updated statement is due, and of a suspension or deletion: one per entry,
-- due date and threshold, so a run that comes twice never sends twice.
CREATE TABLE body_register_notice (
    country          VARCHAR NOT NULL,
    member_id        VARCHAR NOT NULL,
    due              DATE NOT NULL,
    threshold        VARCHAR NOT NULL,          -- days before the due date ('30', '7'), 'suspended' or 'deleted'
    sent_on          DATE NOT NULL,
    notice_key       VARCHAR NOT NULL,          -- the signed notice in the object store
    PRIMARY KEY (country, member_id, due, threshold)
);
