-- ecocluster warehouse, migration 025: the review trail hash-chained (issue 18). Owned by
-- signing/_review_log.py.
--
-- Each review_event is a link of its statement's chain: chain_seq counts the statement's events
-- (1, 2, …), prev_sha256 is the previous link's sha256 (64 zeros for the first) and sha256 is the
-- SHA-256 of the event's canonical form (signing/_review_log.py: canonical JSON of the event, its
-- statement, its link number and prev_sha256). review_chain keeps each statement's length and
-- head, so that cutting the last events off is seen too. Events written before this migration
-- keep NULL links: they are reported as unchained, and only before a statement's first link.
ALTER TABLE review_event ADD COLUMN chain_seq BIGINT;
ALTER TABLE review_event ADD COLUMN prev_sha256 VARCHAR;
ALTER TABLE review_event ADD COLUMN sha256 VARCHAR;

CREATE TABLE review_chain (
    statement_id    VARCHAR PRIMARY KEY,
    length          BIGINT NOT NULL,          -- links written (chain_seq of the head)
    head_sha256     VARCHAR NOT NULL          -- the last link's sha256
);
