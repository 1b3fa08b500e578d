-- Steady sync server, SQLite schema version 2: the record log (see src/records_log.rs).
-- Every cell of an incident at the moment it is submitted, and each addendum accepted after,
-- append-only and hash-chained; `steady-server verify` checks it and the incidents against it.
CREATE TABLE record_log (
    seq         INTEGER PRIMARY KEY,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    field       TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    unit_id     TEXT NOT NULL,
    value_json  TEXT NOT NULL,
    hlc_wall    INTEGER NOT NULL,
    hlc_counter INTEGER NOT NULL,
    hlc_device  TEXT NOT NULL,
    logged_at   INTEGER NOT NULL,
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL
);

CREATE TRIGGER record_log_no_update BEFORE UPDATE ON record_log
BEGIN
    SELECT RAISE(ABORT, 'the record log is append-only');
END;

CREATE TRIGGER record_log_no_delete BEFORE DELETE ON record_log
BEGIN
    SELECT RAISE(ABORT, 'the record log is append-only');
END;
