-- The audit trails reach the server (see src/audit_log.rs).

-- Each device's own audit trail, as the device sent it (`POST /v1/audit`): ids and field
-- names, never content; chained per device (each hash covers the previous one and the event,
-- computed by the core's one encoder) and checked on the way in. Filed under the device whose
-- token sent it. Append-only.
CREATE TABLE device_audit (
    device_id   text NOT NULL REFERENCES devices (device_id),
    seq         bigint NOT NULL,
    at          bigint NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    entity      text NOT NULL,
    entity_id   text NOT NULL,
    unit_id     text NOT NULL,
    detail      text NOT NULL,
    hash        bytea NOT NULL,
    received_at bigint NOT NULL,
    PRIMARY KEY (device_id, seq)
);

CREATE INDEX device_audit_by_entity ON device_audit (entity_id);

CREATE FUNCTION device_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the device audit trail is append-only';
END;
$$;

CREATE TRIGGER device_audit_append_only BEFORE UPDATE OR DELETE ON device_audit
    FOR EACH ROW EXECUTE FUNCTION device_audit_append_only();

-- The console's audit log is chained the same way: a hash per entry, in seq order. Existing
-- entries are chained in order by the upgrade (src/storage/postgres.rs), with the append-only
-- trigger disabled inside the upgrade's transaction and enabled again after.
ALTER TABLE console_audit ADD COLUMN hash bytea NOT NULL DEFAULT '\x';
ALTER TABLE console_audit DISABLE TRIGGER console_audit_append_only;
