-- ecocluster warehouse, migration 020: signed finding decisions, reminders sent, review imports
-- (issue 18). Owned by signing/_review.py.

-- The verifier's signed decision (DSSE envelope over an in-toto Statement, signing/_decisions.py)
-- behind a review_event that accepted, reopened or closed a finding. Rule finding-decision
-- (approvals) verifies the one behind each resolved finding's current state; a resolved finding
-- with no row here is an unsigned decision and refuses the approval.
CREATE TABLE review_decision (
    finding_id       VARCHAR NOT NULL,
    event_no         BIGINT NOT NULL,          -- the review_event this decision made
    event            VARCHAR NOT NULL,         -- accepted | reopened | closed
    envelope         BLOB NOT NULL,            -- the DSSE envelope as signed
    cert_pem         VARCHAR NOT NULL,         -- the signer's certificate (public)
    cert_sha256      VARCHAR NOT NULL,
    signed_at        TIMESTAMPTZ NOT NULL,     -- as the verifier signed it
    PRIMARY KEY (finding_id, event_no),
    CHECK (event IN ('accepted', 'reopened', 'closed'))
);

-- Deadline reminders sent (flows/reminders.py): one per finding, deadline and threshold, so a
-- scheduled run that comes twice, or after a pause, never reminds twice. An extended deadline
-- starts its own reminders.
CREATE TABLE review_reminder (
    finding_id       VARCHAR NOT NULL,
    deadline         DATE NOT NULL,
    threshold        VARCHAR NOT NULL,         -- days before the deadline ('14', '7', '1') or 'overdue'
    sent_on          DATE NOT NULL,
    notice_key       VARCHAR NOT NULL,         -- the notice in the object store (notices/reminders/…)
    PRIMARY KEY (finding_id, deadline, threshold)
);

-- What an offline review's answers file did, decision by decision (ecocluster finding import).
CREATE TABLE review_import (
    file_sha256      VARCHAR NOT NULL,         -- the answers file as received
    item             VARCHAR NOT NULL,         -- 'file' or 'decision <n>'
    finding_id       VARCHAR,
    outcome          VARCHAR NOT NULL,         -- applied | already | refused
    rule             VARCHAR,                  -- the rule a refusal broke
    message          VARCHAR NOT NULL,
    imported_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (file_sha256, item),
    CHECK (outcome IN ('applied', 'already', 'refused'))
);
