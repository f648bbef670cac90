-- ecocluster warehouse, migration 004: verifiers, approvals, registration packages, intake.
-- Only public material is kept here (certificates, envelopes' ids and object keys); private keys
-- never enter the warehouse. Approvals and packages themselves live in the write-once store.

-- Verifier certificates the accreditation body issued, as registered with this installation.
CREATE TABLE verifier (
    cert_sha256      VARCHAR PRIMARY KEY,      -- SHA-256 of the DER certificate
    accreditation_no VARCHAR NOT NULL,
    name             VARCHAR NOT NULL,
    nace_scope       VARCHAR NOT NULL,         -- comma-separated NACE codes, as in the certificate
    serial_hex       VARCHAR NOT NULL,
    not_before       TIMESTAMPTZ NOT NULL,
    not_after        TIMESTAMPTZ NOT NULL,
    cert_pem         VARCHAR NOT NULL,
    revoked_on       TIMESTAMPTZ,
    registered_at    TIMESTAMP NOT NULL
);

-- Conflicts of interest: a verifier who consulted for a member may not validate its statement.
CREATE TABLE verifier_consulted (
    accreditation_no VARCHAR NOT NULL,
    member_id        VARCHAR NOT NULL,
    note             VARCHAR,
    PRIMARY KEY (accreditation_no, member_id)
);

-- Accepted approvals and rejections (every rule passed); the envelope is in the store.
CREATE TABLE approval (
    approval_id      VARCHAR PRIMARY KEY,      -- SHA-256 of the DSSE envelope bytes
    statement_id     VARCHAR NOT NULL,
    member_id        VARCHAR NOT NULL,
    cluster_id       VARCHAR NOT NULL,
    reporting_year   INTEGER NOT NULL,
    decision         VARCHAR NOT NULL,         -- approved | rejected
    reasons          JSON NOT NULL,
    accreditation_no VARCHAR NOT NULL,
    cert_sha256      VARCHAR NOT NULL,
    signed_at        TIMESTAMPTZ NOT NULL,
    json_sha256      VARCHAR NOT NULL,
    pdf_sha256       VARCHAR NOT NULL,
    envelope_key     VARCHAR NOT NULL,
    cert_key         VARCHAR NOT NULL,
    signed_pdf_key   VARCHAR,                  -- PAdES-signed validated PDF, approvals only
    recorded_at      TIMESTAMP NOT NULL,
    CHECK (decision IN ('approved', 'rejected'))
);

-- Envelopes the pipeline refused, with the rule, so the coordinator sees why in `status`.
CREATE TABLE approval_refusal (
    envelope_sha256  VARCHAR PRIMARY KEY,
    member_id        VARCHAR,
    rule             VARCHAR NOT NULL,
    message          VARCHAR NOT NULL,
    refused_at       TIMESTAMP NOT NULL
);

-- Registration packages built and delivered to a competent body's prefix.
CREATE TABLE registration_package (
    package_sha256   VARCHAR PRIMARY KEY,
    member_id        VARCHAR NOT NULL,
    reporting_year   INTEGER NOT NULL,
    country          VARCHAR NOT NULL,
    approval_id      VARCHAR NOT NULL,
    package_key      VARCHAR NOT NULL,
    built_at         TIMESTAMP NOT NULL
);

-- The competent body's side: its register and the receipt for each package it took in.
CREATE TABLE emas_register (
    registration_no  VARCHAR PRIMARY KEY,      -- e.g. IT-000576
    member_id        VARCHAR NOT NULL UNIQUE,
    country          VARCHAR NOT NULL,
    first_registered DATE NOT NULL,
    last_renewed     DATE NOT NULL,
    last_package_sha256 VARCHAR NOT NULL
);

CREATE TABLE intake_receipt (
    package_sha256   VARCHAR PRIMARY KEY,
    member_id        VARCHAR,
    country          VARCHAR NOT NULL,
    outcome          VARCHAR NOT NULL,         -- registered | renewed | refused
    registration_no  VARCHAR,
    reasons          JSON NOT NULL,
    receipt_key      VARCHAR NOT NULL,
    received_at      TIMESTAMP NOT NULL,
    CHECK (outcome IN ('registered', 'renewed', 'refused'))
);
