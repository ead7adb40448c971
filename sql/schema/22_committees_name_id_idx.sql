-- SubjectCommitteeID resolution (name_id -> smallest committee_id) and committee display.
CREATE INDEX IF NOT EXISTS committees_name_id_idx ON "Committees" (name_id, committee_id);
