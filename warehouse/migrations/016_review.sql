-- ecocluster warehouse, migration 016: review rounds (issue 18). Owned by signing/_review.py.
-- A verifier raises findings on a member's statement; the member or the coordinator answers with
-- text and evidence files (the files themselves live in the object store by SHA-256); the verifier
-- accepts, reopens or closes. Rule open-findings refuses an approval while one is open or answered.

CREATE TABLE review_finding (
    finding_id      VARCHAR PRIMARY KEY,       -- F-<12 hex>
    statement_id    VARCHAR NOT NULL,          -- the draft the finding was raised on
    member_id       VARCHAR NOT NULL,
    reporting_year  INTEGER NOT NULL,
    kind            VARCHAR NOT NULL,
    text            VARCHAR NOT NULL,
    value_path      VARCHAR,                   -- e.g. indicators.energy.total (optional)
    check_name      VARCHAR,                   -- an expectation of the member's check run (optional)
    section         VARCHAR,                   -- a submission section (optional)
    owner           VARCHAR NOT NULL,          -- who must answer: member | coordinator
    deadline        DATE NOT NULL,
    state           VARCHAR NOT NULL,
    raised_by       VARCHAR NOT NULL,
    raised_at       TIMESTAMPTZ NOT NULL,
    CHECK (kind IN ('non-conformity', 'misstatement', 'non-compliance', 'request-for-information',
                    'recommended-improvement')),
    CHECK (owner IN ('member', 'coordinator')),
    CHECK (state IN ('open', 'answered', 'accepted', 'closed'))
);

CREATE TABLE review_answer (
    finding_id      VARCHAR NOT NULL,
    answer_no       INTEGER NOT NULL,          -- 1, 2, … one per round
    text            VARCHAR NOT NULL,
    answered_by     VARCHAR NOT NULL,
    answered_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (finding_id, answer_no)
);

CREATE TABLE review_evidence (
    finding_id      VARCHAR NOT NULL,
    answer_no       INTEGER NOT NULL,
    filename        VARCHAR NOT NULL,          -- the name as sent, made safe
    sha256          VARCHAR NOT NULL,
    media_type      VARCHAR NOT NULL,          -- judged from the content, not the name
    size            BIGINT NOT NULL,
    object_key      VARCHAR NOT NULL,          -- review/evidence/<sha256>
    PRIMARY KEY (finding_id, answer_no, sha256)
);

-- Every event of a review, in order: who did what when. Decisions signed by their author and the
-- hash-chained audit log are the portal's; this is the review's own trail.
CREATE SEQUENCE review_event_no START 1;
CREATE TABLE review_event (
    event_no        BIGINT PRIMARY KEY DEFAULT nextval('review_event_no'),
    finding_id      VARCHAR NOT NULL,
    event           VARCHAR NOT NULL,          -- raised | answered | accepted | reopened | closed
    actor           VARCHAR NOT NULL,
    event_at        TIMESTAMPTZ NOT NULL,
    state_after     VARCHAR NOT NULL,
    detail          VARCHAR NOT NULL
);

-- The verification block of an accepted approval's signed predicate (signing/_opinion.py): the
-- opinion, how the site was seen, the recommended improvements and the cluster's sampling plan.
-- The envelope in the store is the evidence; this is what the warehouse answers questions from.
CREATE TABLE approval_verification (
    approval_id      VARCHAR PRIMARY KEY,      -- approval.approval_id
    opinion          VARCHAR NOT NULL,
    site_visit       VARCHAR NOT NULL,
    recommended_improvements JSON NOT NULL,
    sampling_plan_sha256 VARCHAR,
    CHECK (opinion IN ('satisfactory', 'with-comments', 'not-verified')),
    CHECK (site_visit IN ('in-person', 'virtual', 'none'))
);

-- Sampling plans the cluster's verifier signed (signing/_sampling.py); the plan is in the store.
CREATE TABLE sampling_plan (
    plan_sha256      VARCHAR PRIMARY KEY,
    cluster_id       VARCHAR NOT NULL,
    reporting_year   INTEGER NOT NULL,
    cert_sha256      VARCHAR NOT NULL,         -- the signing verifier's certificate
    visited          JSON NOT NULL,            -- member ids visited (always + drawn)
    object_key       VARCHAR NOT NULL,
    recorded_at      TIMESTAMP NOT NULL
);

-- Deadline-extension requests of a finding's owner and the verifier's decision on each.
CREATE TABLE review_extension (
    finding_id       VARCHAR NOT NULL,
    request_no       INTEGER NOT NULL,
    requested_until  DATE NOT NULL,
    reason           VARCHAR NOT NULL,
    requested_by     VARCHAR NOT NULL,
    requested_at     TIMESTAMPTZ NOT NULL,
    decision         VARCHAR,                  -- NULL while pending | granted | refused
    decided_by       VARCHAR,
    decided_at       TIMESTAMPTZ,
    PRIMARY KEY (finding_id, request_no),
    CHECK (decision IS NULL OR decision IN ('granted', 'refused'))
);
