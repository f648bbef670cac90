-- ecocluster warehouse, migration 010: the version and SHA-256 of the objects the pipeline reads back.
-- Object Lock stops anyone from deleting a version, not from adding a newer version of the key or a
-- delete marker in front of it: whoever holds the bucket credentials can do both. So a key alone does
-- not say which bytes the pipeline wrote. Approvals (envelope, certificate, signed PDF) and
-- registration packages are recorded here when written and read back pinned to this version,
-- their bytes hashed on read (signing/_stored.py).
CREATE TABLE stored_object (
    object_key   VARCHAR PRIMARY KEY,
    version_id   VARCHAR,              -- S3: the version the put made; local store: the content's SHA-256
    sha256       VARCHAR NOT NULL,     -- of the bytes written, computed by the writer
    size         BIGINT NOT NULL,
    recorded_at  TIMESTAMP NOT NULL
);
