-- Steady device store, schema 1.
--
-- Replicated state is kept at the grain the sync protocol merges: one row per text field and
-- one row per list item (`fields`), each with the hybrid-logical-clock stamp that last set it.
-- The typed shapes (person, support sheet, incident, ...) are assembled from these rows in Rust,
-- where the field names are defined once. `entities` says which unit each record belongs to and
-- whether it is locked (a submitted incident).

-- This device: its id (part of every clock stamp), the last clock stamp it issued, who is using it.
CREATE TABLE device (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id    TEXT NOT NULL,
    hlc_wall     INTEGER NOT NULL DEFAULT 0,
    hlc_counter  INTEGER NOT NULL DEFAULT 0,
    staff_name   TEXT NOT NULL DEFAULT '',
    staff_job    TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
) STRICT;

-- Units this device knows about and its grant in each (the device's local view of the server's).
CREATE TABLE units (
    unit_id            TEXT PRIMARY KEY,
    organisation       TEXT NOT NULL,
    name               TEXT NOT NULL,
    mental_health_unit INTEGER NOT NULL CHECK (mental_health_unit IN (0, 1)),
    role               TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'lead')),
    grant_ends_at      INTEGER
) STRICT;

-- Every replicated record: which unit it belongs to (fixed at creation) and whether it is locked.
CREATE TABLE entities (
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    unit_id     TEXT NOT NULL,
    locked      INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (entity, entity_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX entities_by_unit ON entities (unit_id, entity);

-- One row per merged field ('' item) or list item; value is JSON, 'null' is a tombstone.
CREATE TABLE fields (
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    field       TEXT NOT NULL,
    item_id     TEXT NOT NULL DEFAULT '',
    value       TEXT NOT NULL,
    hlc_wall    INTEGER NOT NULL,
    hlc_counter INTEGER NOT NULL,
    hlc_device  TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id, field, item_id)
) STRICT, WITHOUT ROWID;

-- Changes made here and not yet acknowledged by the server, in the order they were made.
-- `op` is the wire operation as JSON; a rejected op is quarantined with its reason. No
-- AUTOINCREMENT: order only matters among the rows present, and it saves a page write per change.
CREATE TABLE outbox (
    seq      INTEGER PRIMARY KEY,
    op_id    TEXT NOT NULL UNIQUE,
    unit_id  TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op       TEXT NOT NULL,
    state    TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'quarantined')),
    reason   TEXT
) STRICT;
CREATE INDEX outbox_by_unit ON outbox (unit_id, state);
CREATE INDEX outbox_by_entity ON outbox (entity_id);

-- Checklist templates imported for licensed instruments (the built-in ones live in code).
CREATE TABLE checklist_templates (
    template_id TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL,
    imported_at INTEGER NOT NULL
) STRICT;

-- Who viewed or changed what, when. Append-only and hash-chained: each row's hash covers the
-- previous row's hash, so a removed or edited row breaks the chain. Rows hold ids and field
-- names, never the personal data itself, so they stay when a unit's data is purged.
CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('view', 'change', 'submit', 'addendum', 'export', 'purge')),
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    unit_id    TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
) STRICT;

-- Units whose data is being removed from the device (placement ended, everything pushed).
-- Only while a unit is listed here may its locked records leave the store.
CREATE TABLE purging (
    unit_id TEXT PRIMARY KEY
) STRICT;

-- Full-text search over the things a worker looks a person up by. `search_docs` gives each
-- person a stable rowid in the index, so re-indexing one person never scans the others.
CREATE TABLE search_docs (
    docid     INTEGER PRIMARY KEY,
    person_id TEXT NOT NULL UNIQUE
) STRICT;
CREATE VIRTUAL TABLE people_search USING fts5(
    person_id UNINDEXED,
    unit_id UNINDEXED,
    display UNINDEXED,
    names,
    alerts,
    triggers,
    warning_signs,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- Records protection, enforced below the API too. A submitted incident is locked: none of its
-- fields may be added, changed or removed, except new addenda; addenda never change. The only
-- way out is a purge of the whole unit, after everything has reached the server.
CREATE TRIGGER locked_entity_stays_locked
BEFORE UPDATE ON entities
WHEN OLD.locked = 1
BEGIN
    SELECT RAISE(ABORT, 'locked: a submitted incident cannot be changed');
END;

CREATE TRIGGER locked_entity_not_deleted
BEFORE DELETE ON entities
WHEN OLD.locked = 1 AND NOT EXISTS (SELECT 1 FROM purging WHERE unit_id = OLD.unit_id)
BEGIN
    SELECT RAISE(ABORT, 'locked: a submitted incident cannot be deleted');
END;

CREATE TRIGGER locked_fields_no_insert
BEFORE INSERT ON fields
WHEN NEW.field <> 'addenda'
 AND EXISTS (SELECT 1 FROM entities e
             WHERE e.entity = NEW.entity AND e.entity_id = NEW.entity_id AND e.locked = 1)
BEGIN
    SELECT RAISE(ABORT, 'locked: a submitted incident cannot be changed');
END;

CREATE TRIGGER locked_fields_no_update
BEFORE UPDATE ON fields
WHEN OLD.field = 'addenda'
  OR EXISTS (SELECT 1 FROM entities e
             WHERE e.entity = OLD.entity AND e.entity_id = OLD.entity_id AND e.locked = 1)
BEGIN
    SELECT RAISE(ABORT, 'locked: a submitted incident or addendum cannot be changed');
END;

CREATE TRIGGER locked_fields_no_delete
BEFORE DELETE ON fields
WHEN (OLD.field = 'addenda'
      OR EXISTS (SELECT 1 FROM entities e
                 WHERE e.entity = OLD.entity AND e.entity_id = OLD.entity_id AND e.locked = 1))
 AND NOT EXISTS (SELECT 1 FROM entities e JOIN purging p ON p.unit_id = e.unit_id
                 WHERE e.entity = OLD.entity AND e.entity_id = OLD.entity_id)
BEGIN
    SELECT RAISE(ABORT, 'locked: a submitted incident or addendum cannot be deleted');
END;

CREATE TRIGGER audit_no_update
BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER audit_no_delete
BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
