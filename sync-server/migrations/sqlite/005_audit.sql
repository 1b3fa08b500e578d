-- The audit trails reach the server (see src/audit_log.rs).

-- Each device's own audit trail, as the device sent it (`POST /v1/audit`): ids and field
-- names, never content; chained per device (each hash covers the previous one and the event,
-- computed by the core's one encoder) and checked on the way in. Filed under the device whose
-- token sent it. Append-only.
CREATE TABLE device_audit (
    device_id   TEXT NOT NULL REFERENCES devices (device_id),
    seq         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    unit_id     TEXT NOT NULL,
    detail      TEXT NOT NULL,
    hash        BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;

CREATE INDEX device_audit_by_entity ON device_audit (entity_id);

CREATE TRIGGER device_audit_no_update BEFORE UPDATE ON device_audit
BEGIN
    SELECT RAISE(ABORT, 'the device audit trail is append-only');
END;

CREATE TRIGGER device_audit_no_delete BEFORE DELETE ON device_audit
BEGIN
    SELECT RAISE(ABORT, 'the device audit trail is append-only');
END;

-- The console's audit log is chained the same way: a hash per entry, in seq order. Existing
-- entries are chained in order by the upgrade (src/storage/sqlite.rs), which lifts the
-- update trigger for that and puts it back.
DROP TRIGGER console_audit_no_update;
ALTER TABLE console_audit ADD COLUMN hash BLOB NOT NULL DEFAULT X'';
