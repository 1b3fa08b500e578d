-- Steady sync server, SQLite schema version 1.
-- The same tables, with the same meaning, as the PostgreSQL back end: see src/storage/mod.rs.

-- Wards, care homes, supported-living services, HEMS bases: the scope of data and access.
CREATE TABLE units (
    unit_id            TEXT PRIMARY KEY,
    organisation       TEXT NOT NULL,
    name               TEXT NOT NULL,
    mental_health_unit INTEGER NOT NULL DEFAULT 0
);

-- Enrolled devices; the bearer token is kept only as its SHA-256 hash.
CREATE TABLE devices (
    device_id   TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    enrolled_at INTEGER NOT NULL,
    revoked_at  INTEGER
);

-- A device's role in a unit; ended grants stay, so changes made before the end still arrive.
CREATE TABLE grants (
    device_id TEXT NOT NULL REFERENCES devices (device_id),
    unit_id   TEXT NOT NULL REFERENCES units (unit_id),
    role      TEXT NOT NULL,
    ends_at   INTEGER,
    PRIMARY KEY (device_id, unit_id)
) WITHOUT ROWID;

-- Single-use, expiring, attempt-limited enrolment codes; only the secret's hash is kept.
CREATE TABLE enrolment_codes (
    code_id      TEXT PRIMARY KEY,
    secret_hash  TEXT NOT NULL,
    grants_json  TEXT NOT NULL,
    expires_at   INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    used_at      INTEGER,
    used_by      TEXT
);

-- The first answer to every op id: a retried upload gets it again and changes nothing.
CREATE TABLE op_results (
    op_id        TEXT PRIMARY KEY,
    device_id    TEXT NOT NULL,
    outcome_json TEXT NOT NULL
) WITHOUT ROWID;

-- Records: the unit is fixed at creation; a submitted incident is locked.
CREATE TABLE entities (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    unit_id   TEXT NOT NULL,
    locked    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (entity, entity_id)
) WITHOUT ROWID;

-- One row per field (item_id '') or list item with its winning value and stamp. `seq` is the
-- change sequence number: every write takes the next one, so a pull is "seq after my cursor".
CREATE TABLE cells (
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    field       TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    unit_id     TEXT NOT NULL,
    value_json  TEXT NOT NULL,
    hlc_wall    INTEGER NOT NULL,
    hlc_counter INTEGER NOT NULL,
    hlc_device  TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    written_at  INTEGER NOT NULL,
    PRIMARY KEY (entity, entity_id, field, item_id)
);

-- A pull (and an idle pull above all) is one seek per unit.
CREATE UNIQUE INDEX cells_by_unit_seq ON cells (unit_id, seq);

-- Tombstone purges find old tombstones without scanning live cells.
CREATE INDEX cells_tombstones ON cells (written_at) WHERE value_json = 'null';

-- Counters: 'seq' (the last change sequence number handed out; never reused, even after
-- tombstones are purged) and 'tombstone_horizon' (the highest seq purged).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO meta (key, value) VALUES ('seq', 0), ('tombstone_horizon', 0);
