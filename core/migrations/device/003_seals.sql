-- Steady device store, schema 3: seals on submitted records (tamper evidence).
--
-- When an incident is locked (submitted here, or pulled already submitted) its content is sealed:
-- a SHA-256 digest of every field and list item it holds (values and stamps, addenda aside),
-- with the names of those fields. Each addendum is sealed the same way when it arrives. Seals
-- are hash-chained like the audit trail (each row's hash covers the previous row's), so
-- `Store::verify_records` finds a changed byte in a submitted record, a removed or added field,
-- a removed, reordered or edited seal, and a locked record or addendum without its seal.
-- A purge of a unit appends a 'purge' row: the seals before it for that unit no longer expect
-- their records on the device. Seals hold ids, field names and digests, never the data itself.
CREATE TABLE seals (
    seq        INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('incident', 'addendum', 'purge')),
    entity_id  TEXT NOT NULL,
    item_id    TEXT NOT NULL DEFAULT '',
    unit_id    TEXT NOT NULL,
    cells      TEXT NOT NULL,
    digest     BLOB NOT NULL,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
) STRICT;

CREATE TRIGGER seals_no_update
BEFORE UPDATE ON seals
BEGIN
    SELECT RAISE(ABORT, 'seals are append-only');
END;

CREATE TRIGGER seals_no_delete
BEFORE DELETE ON seals
BEGIN
    SELECT RAISE(ABORT, 'seals are append-only');
END;
