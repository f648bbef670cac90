-- ecocluster warehouse, migration 014: a member's consent to have its figures in the public joint
-- cluster statement (issue 19, disclosure control). A registered member's figures are public in its
-- own EMAS statement anyway; one that is not registered is shown in the joint statement only with
-- this consent, given in the roster (`publish`: true). A separate table, so that the member rows'
-- column list stays as it was.
CREATE TABLE member_consent (
    member_id       VARCHAR PRIMARY KEY,
    publish         BOOLEAN NOT NULL,
    roster_sha256   VARCHAR NOT NULL
);
