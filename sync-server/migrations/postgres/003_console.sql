-- Steady sync server, PostgreSQL schema version 3: the web console (src/console/).
-- The same tables, with the same meaning, as migrations/sqlite/003_console.sql.

-- Leads who sign in to the console. Email is stored lower-cased; the password only as an
-- Argon2id PHC string. Five failed sign-ins lock the account until locked_until.
CREATE TABLE console_leads (
    lead_id         text PRIMARY KEY,
    email           text NOT NULL UNIQUE,
    name            text NOT NULL,
    password_hash   text NOT NULL,
    failed_attempts integer NOT NULL DEFAULT 0,
    locked_until    bigint,
    disabled_at     bigint,
    created_at      bigint NOT NULL
);

-- The units a lead may see in the console (nothing else is ever shown to them).
CREATE TABLE console_lead_units (
    lead_id text NOT NULL REFERENCES console_leads (lead_id),
    unit_id text NOT NULL REFERENCES units (unit_id),
    PRIMARY KEY (lead_id, unit_id)
);

-- Signed-in sessions. The cookie carries 256 random bits; only their SHA-256 is kept. A
-- session ends 30 minutes after it was last used or 12 hours after sign-in (expires_at).
CREATE TABLE console_sessions (
    session_hash text PRIMARY KEY,
    lead_id      text NOT NULL REFERENCES console_leads (lead_id),
    csrf_token   text NOT NULL,
    created_at   bigint NOT NULL,
    last_seen_at bigint NOT NULL,
    expires_at   bigint NOT NULL
);

CREATE INDEX console_sessions_by_lead ON console_sessions (lead_id);

-- What leads did in the console: who, when, which action, which unit and record ids. Never
-- the content. Append-only (the trigger refuses updates and deletes).
CREATE TABLE console_audit (
    seq       bigserial PRIMARY KEY,
    at        bigint NOT NULL,
    lead_id   text NOT NULL,
    action    text NOT NULL,
    unit_id   text NOT NULL,
    entity    text NOT NULL,
    entity_id text NOT NULL,
    detail    text NOT NULL
);

CREATE INDEX console_audit_by_entity ON console_audit (entity_id);

CREATE FUNCTION console_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the console audit log is append-only';
END;
$$;

CREATE TRIGGER console_audit_append_only BEFORE UPDATE OR DELETE ON console_audit
    FOR EACH ROW EXECUTE FUNCTION console_audit_append_only();

-- The devices that are console replicas (one per server process's console directory): their
-- grants follow the leads' units, and the enrolment page does not list them.
CREATE TABLE console_devices (
    device_id  text PRIMARY KEY REFERENCES devices (device_id),
    created_at bigint NOT NULL
);

-- A random id for this store, made once: a console replica remembers the store it belongs to
-- and starts afresh if pointed at another (its sync cursor means nothing there).
CREATE TABLE console_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
