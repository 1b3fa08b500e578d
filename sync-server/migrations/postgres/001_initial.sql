-- Steady sync server, PostgreSQL schema version 1.
-- The same tables, with the same meaning, as the SQLite back end (migrations/sqlite): see
-- src/storage/mod.rs. Times are bigint milliseconds since the Unix epoch, like `Timestamp`.
-- Applied by src/storage/postgres.rs in one transaction under an advisory lock; the version is
-- kept in `schema_version`, which that code creates.

-- Wards, care homes, supported-living services, HEMS bases: the scope of data and access.
CREATE TABLE units (
    unit_id            text PRIMARY KEY,
    organisation       text NOT NULL,
    name               text NOT NULL,
    mental_health_unit boolean NOT NULL DEFAULT false
);

-- Enrolled devices; the bearer token is kept only as its SHA-256 hash.
CREATE TABLE devices (
    device_id   text PRIMARY KEY,
    token_hash  text NOT NULL UNIQUE,
    label       text NOT NULL,
    enrolled_at bigint NOT NULL,
    revoked_at  bigint
);

-- A device's role in a unit; ended grants stay, so changes made before the end still arrive.
CREATE TABLE grants (
    device_id text NOT NULL REFERENCES devices (device_id),
    unit_id   text NOT NULL REFERENCES units (unit_id),
    role      text NOT NULL CHECK (role IN ('reader', 'editor', 'lead')),
    ends_at   bigint,
    PRIMARY KEY (device_id, unit_id)
);

-- Single-use, expiring, attempt-limited enrolment codes; only the secret's hash is kept.
-- grants_json: the grants the code carries ([{unit_id, role, ends_at}]).
CREATE TABLE enrolment_codes (
    code_id      text PRIMARY KEY,
    secret_hash  text NOT NULL,
    grants_json  jsonb NOT NULL,
    expires_at   bigint NOT NULL,
    max_attempts integer NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    used_at      bigint,
    used_by      text
);

-- The first answer to every op id: a retried upload gets it again and changes nothing.
CREATE TABLE op_results (
    op_id        text PRIMARY KEY,
    device_id    text NOT NULL,
    outcome_json text NOT NULL
);

-- Records: the unit is fixed at creation; a submitted incident is locked.
CREATE TABLE entities (
    entity    text NOT NULL,
    entity_id text NOT NULL,
    unit_id   text NOT NULL,
    locked    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (entity, entity_id)
);

-- Change sequence numbers. CACHE 1 (the default, spelled out because it matters): a session
-- that cached a block of numbers would hand them out after numbers other sessions allocated
-- later, and pushes rely on "allocated under the push lock" meaning "in commit order".
CREATE SEQUENCE cell_seq AS bigint START 1 CACHE 1;

-- One row per field (item_id '') or list item with its winning value and stamp. value_json is
-- the JSON text as pushed ('null': a tombstone). seq: the change sequence number of the last
-- write; a pull is "seq after my cursor", unit by unit.
CREATE TABLE cells (
    entity      text NOT NULL,
    entity_id   text NOT NULL,
    field       text NOT NULL,
    item_id     text NOT NULL,
    unit_id     text NOT NULL,
    value_json  text NOT NULL,
    hlc_wall    bigint NOT NULL,
    hlc_counter bigint NOT NULL,
    hlc_device  text NOT NULL,
    seq         bigint NOT NULL,
    written_at  bigint NOT NULL,
    PRIMARY KEY (entity, entity_id, field, item_id)
);

-- A pull (and an idle pull above all) is one index seek per unit.
CREATE UNIQUE INDEX cells_by_unit_seq ON cells (unit_id, seq);

-- Tombstone purges find old tombstones without scanning live cells.
CREATE INDEX cells_tombstones ON cells (written_at) WHERE value_json = 'null';

-- Counters: 'tombstone_horizon' (the highest seq purged; a cursor below it must resync).
CREATE TABLE meta (
    key   text PRIMARY KEY,
    value bigint NOT NULL
);

INSERT INTO meta (key, value) VALUES ('tombstone_horizon', 0);
