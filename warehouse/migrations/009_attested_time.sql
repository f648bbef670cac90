-- ecocluster warehouse, migration 009: attested time of each accepted approval or rejection.
-- A signer's own signedAt (approval.signed_at) decides nothing: the RFC 3161 timestamp over the
-- envelope's signature does. One row per accepted approval: when the TSA attests the signature
-- existed (certificate validity and revocation were judged at that time) and where the timestamp
-- token (TimeStampResp, DER, naming its TSA) lies in the write-once store.

CREATE TABLE approval_timestamp (
    approval_id      VARCHAR PRIMARY KEY,      -- approval.approval_id
    attested_at      TIMESTAMPTZ NOT NULL,     -- genTime of the timestamp token
    timestamp_key    VARCHAR NOT NULL          -- object key of NAME.tsr beside the envelope
);
