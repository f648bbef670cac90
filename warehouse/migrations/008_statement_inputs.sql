-- ecocluster warehouse, migration 008: what each draft statement was made from.
-- An approval must validate the data the member stands by now: a draft made before the member sent
-- a corrected file shows withdrawn figures (rule inputs-superseded). Every (re)draft records the
-- highest submission_part.seq it read; a member file with a higher seq arrived after it. A redraft
-- whose content did not change keeps its statement id and only moves inputs_seq forward.

CREATE TABLE statement_inputs (
    statement_id    VARCHAR PRIMARY KEY,
    inputs_seq      BIGINT NOT NULL,           -- newest submission_part.seq when the draft was (re)made; 0 = none
    drafted_at      TIMESTAMP NOT NULL
);

-- Drafts made before this migration: made from the parts received before they were created.
INSERT INTO statement_inputs
SELECT st.statement_id,
       coalesce((SELECT max(p.seq) FROM submission_part p JOIN submission s USING (submission_id)
                 WHERE s.received_at <= st.created_at), 0),
       st.created_at
FROM statement st WHERE st.version = 1;
