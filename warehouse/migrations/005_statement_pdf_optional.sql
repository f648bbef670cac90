-- ecocluster warehouse, migration 005: a draft may have no PDF yet.
-- Review drafts of a whole population are rendered as JSON + HTML only (`ecocluster draft --no-pdf`):
-- typst is what makes drafting slow, and the PDF is only needed for the statements sent to the
-- verifier. Such a draft row has pdf_key and pdf_sha256 NULL; a later full draft of the same data
-- (same statement_id) fills them in on the same row, and a statement without PDF cannot be submitted.

ALTER TABLE statement ALTER COLUMN pdf_key DROP NOT NULL;
ALTER TABLE statement ALTER COLUMN pdf_sha256 DROP NOT NULL;
