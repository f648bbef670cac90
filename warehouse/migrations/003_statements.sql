-- ecocluster warehouse, migration 003: environmental statements and their versions.
-- A statement is identified by the SHA-256 of its canonical JSON (what a verifier signs), so the
-- same warehouse state always yields the same id. One data document can be rendered more than
-- once (the draft with a DRAFT mark, then the validated render with the verifier block filled):
-- each render is a version row; the JSON, HTML and PDF are content-addressed objects in the store.

CREATE TABLE statement (
    statement_id    VARCHAR NOT NULL,          -- SHA-256 of the canonical JSON (hex)
    version         INTEGER NOT NULL,          -- 1 = draft render; 2.. = renders after validation
    subject         VARCHAR NOT NULL,          -- member | cluster
    member_id       VARCHAR,                   -- set when subject = member
    cluster_id      VARCHAR NOT NULL,
    reporting_year  INTEGER NOT NULL,
    kind            VARCHAR NOT NULL,          -- full (three-year cycle) | updated (annual)
    language        VARCHAR NOT NULL,          -- en | it | lv
    status          VARCHAR NOT NULL,          -- draft | submitted | validated | rejected
    json_key        VARCHAR NOT NULL,
    html_key        VARCHAR NOT NULL,
    pdf_key         VARCHAR NOT NULL,
    pdf_sha256      VARCHAR NOT NULL,
    verifier_name   VARCHAR,                   -- filled on the validated render only
    accreditation_no VARCHAR,
    validated_on    DATE,
    created_at      TIMESTAMP NOT NULL,
    supersedes      VARCHAR,                   -- the earlier statement_id for the same subject, year, language
    PRIMARY KEY (statement_id, version),
    CHECK (subject IN ('member', 'cluster')),
    CHECK (kind IN ('full', 'updated')),
    CHECK (status IN ('draft', 'submitted', 'validated', 'rejected')),
    CHECK ((subject = 'member') = (member_id IS NOT NULL))
);

-- The newest render of each statement: what `statement show` and the verifier read.
CREATE VIEW current_statement AS
SELECT * FROM statement QUALIFY row_number() OVER (PARTITION BY statement_id ORDER BY version DESC) = 1;
