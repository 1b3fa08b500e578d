-- The record schema's rules that need the store (issue 19; see src/merge.rs).

-- The member of staff a device was enrolled for: every author, recorded-by and submitted-by it
-- writes must be theirs. NULL for devices enrolled before this version (then the label, which
-- the device made as "name, job title", stands in).
ALTER TABLE devices ADD COLUMN staff_name TEXT;
ALTER TABLE devices ADD COLUMN staff_job TEXT;

-- The device that made each record (NULL: made before this version): after a grant ends, a
-- device may push only to the records it made.
ALTER TABLE entities ADD COLUMN created_by TEXT;

-- The newest stamp (wall time) of a tombstone purged from the record: a cell written with an
-- older stamp, and not held, stays removed.
ALTER TABLE entities ADD COLUMN purged_before INTEGER NOT NULL DEFAULT 0;
