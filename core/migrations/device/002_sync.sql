-- Steady device store, schema 2: the sync engine's state.
--
-- The outbox (schema 1) already holds what waits to be sent and what the server refused
-- (`state = 'quarantined'`, with `reason`); this adds where sync stands, the local edits another
-- change won over (kept visible: nothing is silently lost), and the bookkeeping of a full
-- re-pull.

-- Where sync stands: one row. The device token is the bearer secret for every sync; it lives
-- here, inside the encrypted store, and nowhere else. `cursor` is the server's opaque position
-- of the last pull, saved in the same transaction as the changes it covers.
CREATE TABLE sync_state (
    singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
    server_url      TEXT,
    device_token    TEXT,
    cursor          TEXT,
    enrolled        INTEGER NOT NULL DEFAULT 0 CHECK (enrolled IN (0, 1)),
    -- A full re-pull is under way (see `resync_unseen`).
    resyncing       INTEGER NOT NULL DEFAULT 0 CHECK (resyncing IN (0, 1)),
    last_success_at INTEGER,
    last_attempt_at INTEGER,
    last_error      TEXT
) STRICT;
INSERT INTO sync_state (singleton) VALUES (1);

-- A local edit that lost to a later change on the server: what this device wrote, what won, and
-- when. Shown to the user until dismissed. Holds personal data (the values), so it leaves the
-- device with its unit.
CREATE TABLE conflicts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    entity        TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    unit_id       TEXT NOT NULL,
    field         TEXT NOT NULL,
    item_id       TEXT NOT NULL DEFAULT '',
    my_value      TEXT NOT NULL,
    winning_value TEXT NOT NULL,
    winning_stamp TEXT NOT NULL,
    op_id         TEXT NOT NULL,
    at            INTEGER NOT NULL,
    UNIQUE (op_id, field, item_id)
) STRICT;
CREATE INDEX conflicts_by_unit ON conflicts (unit_id);

-- The server's words for a refused operation (`reason` holds the code).
ALTER TABLE outbox ADD COLUMN detail TEXT;

-- During a full re-pull: the cells held before it began that the server has not sent again yet.
-- Data stays readable throughout (the amber card must open offline mid-resync); whatever is
-- still listed when the re-pull ends is gone from the server and is dropped then.
CREATE TABLE resync_unseen (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field     TEXT NOT NULL,
    item_id   TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id, field, item_id)
) STRICT, WITHOUT ROWID;
