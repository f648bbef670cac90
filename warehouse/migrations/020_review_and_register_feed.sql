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

-- Every change of a competent body's register, in order (signing/_feed.py). The monthly change file
-- (EMAS Art. 12: monthly updates of the register to the Commission) is one month of these rows, each
-- with the register entry as it stood after the change, so replaying every file rebuilds
-- body_register exactly. A change is never dated before the country's previous one: a month already
-- published is never changed afterwards.
CREATE SEQUENCE body_register_change_no START 1;
CREATE TABLE body_register_change (
    change_no            BIGINT PRIMARY KEY DEFAULT nextval('body_register_change_no'),
    country              VARCHAR NOT NULL,
    change_date          DATE NOT NULL,
    action               VARCHAR NOT NULL,     -- registered | renewed
    member_id            VARCHAR NOT NULL,
    registration_no      VARCHAR NOT NULL,
    serial               BIGINT NOT NULL,
    first_registered     DATE NOT NULL,
    last_renewed         DATE NOT NULL,
    last_approval_sha256 VARCHAR NOT NULL,
    CHECK (action IN ('registered', 'renewed'))
);

-- The history before this migration is not known: each entry joins the feed once, in the month it
-- last changed, as it stands.
INSERT INTO body_register_change (country, change_date, action, member_id, registration_no, serial,
                                  first_registered, last_renewed, last_approval_sha256)
SELECT country, last_renewed, CASE WHEN first_registered = last_renewed THEN 'registered' ELSE 'renewed' END,
       member_id, registration_no, serial, first_registered, last_renewed, last_approval_sha256
FROM body_register ORDER BY country, last_renewed, serial;
