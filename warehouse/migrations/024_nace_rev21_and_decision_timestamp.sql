-- ecocluster warehouse, migration 024 (issues 19 and 13/18).
--
-- The coordinator's choice of a member's NACE Rev. 2.1 code, from the roster (`nace_rev21`), for
-- the VSME report: a NACE Rev. 2 code may correspond to several NACE Rev. 2.1 codes in Eurostat's
-- table (warehouse/nace_rev2_rev21.json), and ecocluster never picks one itself. NULL: the roster
-- names none (enough when the correspondence has one candidate). Owned by warehouse/_roster.py; a
-- separate table, like member_consent, so that the member rows' column list stays as it was.
CREATE TABLE member_nace_rev21 (
    member_id       VARCHAR PRIMARY KEY,
    nace_rev21      VARCHAR,
    roster_sha256   VARCHAR NOT NULL
);

-- The RFC 3161 timestamp token (TimeStampResp, DER) over a finding decision's signature: rule
-- `timestamp` judges the decision's certificate at the time it attests, not at the decidedAt the
-- verifier wrote (finding 10 of issue 13, for decisions). NULL for decisions recorded before this
-- migration: they are refused by rule `timestamp` until the verifier signs them again.
ALTER TABLE review_decision ADD COLUMN tsr BLOB;
