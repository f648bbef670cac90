-- A competent body's register and intake log are its own (issue 13, findings 4, 9, 12):
-- registration numbers are unique and assigned only here, per country (never read from the roster);
-- a package is taken in once per body (not once globally), and an approval once per body, so a
-- re-bagged copy of the same approval cannot renew twice; a refusal the body's own configuration
-- caused can be retried.
CREATE TABLE body_register (
    country          VARCHAR NOT NULL,
    member_id        VARCHAR NOT NULL,
    registration_no  VARCHAR NOT NULL UNIQUE,
    serial           BIGINT NOT NULL,           -- the number part, assigned max + 1 per country
    first_registered DATE NOT NULL,
    last_renewed     DATE NOT NULL,
    last_approval_sha256 VARCHAR NOT NULL,
    PRIMARY KEY (country, member_id),
    UNIQUE (country, serial),
    CHECK (serial > 0)
);

CREATE TABLE body_intake (
    country          VARCHAR NOT NULL,
    package_sha256   VARCHAR NOT NULL,
    package_key      VARCHAR NOT NULL,
    approval_sha256  VARCHAR,                   -- digest of the signed approval payload, when it verified
    member_id        VARCHAR,                   -- from the signed statement only
    outcome          VARCHAR NOT NULL,
    rule             VARCHAR,                   -- first refused rule
    retriable        BOOLEAN NOT NULL,          -- refused for the body's own configuration (trust, CRL, renderer)
    registration_no  VARCHAR,
    reasons          JSON NOT NULL,
    receipt_key      VARCHAR NOT NULL,
    attempts         INTEGER NOT NULL,          -- 1, then one more per `intake --retry`
    received_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (country, package_sha256),
    CHECK (outcome IN ('registered', 'renewed', 'refused'))
);

INSERT INTO body_register
SELECT country, member_id, registration_no,
       coalesce(TRY_CAST(split_part(registration_no, '-', 2) AS BIGINT), row_number() OVER ()),
       first_registered, last_renewed, last_package_sha256
FROM emas_register;

INSERT INTO body_intake
SELECT country, package_sha256, '', NULL, member_id, outcome, NULL, false, registration_no, reasons, receipt_key,
       1, received_at
FROM intake_receipt;

DROP TABLE intake_receipt;
DROP TABLE emas_register;
