-- ecocluster warehouse, migration 026: suspension and deletion the registered organisation asks
-- for itself (issue 18; EMAS Regulation 1221/2009 Art. 15 as the issue cites it). Owned by
-- signing/_org_request.py and signing/_intake.py.

-- Who may speak for a registered organisation: the certificates the competent body registered for
-- it (the coordinator's seal on behalf of its member, or the organisation's own). A request signed
-- with any other key is refused (rule requester).
CREATE TABLE body_requester (
    country          VARCHAR NOT NULL,
    member_id        VARCHAR NOT NULL,
    cert_sha256      VARCHAR NOT NULL,
    cert_pem         VARCHAR NOT NULL,
    subject          VARCHAR NOT NULL,
    registered_on    DATE NOT NULL,
    PRIMARY KEY (country, member_id, cert_sha256)
);

-- Intake answers now include the organisation's own suspension and deletion.
CREATE TABLE body_intake_026 (
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
    request_type     VARCHAR,
    received_on      DATE,
    waiting_until    DATE,
    facts            JSON,
    PRIMARY KEY (country, package_sha256),
    CHECK (outcome IN ('waiting', 'registered', 'updated', 'renewed', 'extended', 'transferred',
                       'suspended', 'deleted', 'refused'))
);
INSERT INTO body_intake_026 SELECT * FROM body_intake;
DROP TABLE body_intake;
ALTER TABLE body_intake_026 RENAME TO body_intake;
