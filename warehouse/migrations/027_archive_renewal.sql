-- ecocluster warehouse, migration 027: archive-timestamp renewals of what sits in write-once storage.
-- A PAdES B-LTA signature verifies while the TSA certificate of its newest document timestamp is
-- valid. Before it expires, `ecocluster archive renew` (and the monthly archive-renewal deployment)
-- writes the validated PDF, or the package carrying it, again with a new document timestamp
-- appended, under its own key (archive-renewals/...), never over the Object-Locked original.
-- Each renewal is pinned in stored_object like the original and extends the generation before it
-- byte for byte (signing/_archive.py checks it when writing and when reading).
CREATE TABLE archive_renewal (
    original_key   VARCHAR NOT NULL,         -- the locked original: approval.signed_pdf_key or registration_package.package_key
    generation     INTEGER NOT NULL,         -- 1, 2, ...: generation n extends generation n - 1 (0: the original)
    renewal_key    VARCHAR NOT NULL UNIQUE,  -- its own object, pinned in stored_object
    covered_until  TIMESTAMPTZ NOT NULL,     -- when the new document timestamp's TSA certificate expires
    renewed_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (original_key, generation)
);

-- When each original's newest generation stops being covered (its document timestamp's TSA
-- certificate expires), as the renewal run last found it: a run reads and parses only what is due
-- (or never seen), not the whole archive every month. Derived from the stored bytes; a wrong value
-- only delays a renewal, it never makes anything verify.
CREATE TABLE archive_cover (
    object_key     VARCHAR PRIMARY KEY,      -- the locked original, as in archive_renewal.original_key
    covered_until  TIMESTAMPTZ NOT NULL
);
