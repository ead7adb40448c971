-- The minimal committees the importer writes into the site's "Committees" for IE targets that
-- are names with no committee row (committee_id = -name_id, which no real committee has): the
-- mark lives here, not in the site's table.
CREATE TABLE IF NOT EXISTS sunshine.synthesized_committee (
    committee_id integer PRIMARY KEY,
    name_id integer NOT NULL,
    batch_id bigint NOT NULL
);
