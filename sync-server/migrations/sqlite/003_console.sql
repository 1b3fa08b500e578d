-- Steady sync server, SQLite schema version 3: the web console (src/console/).
-- The same tables, with the same meaning, as migrations/postgres/003_console.sql.

-- Leads who sign in to the console. Email is stored lower-cased; the password only as an
-- Argon2id PHC string. Five failed sign-ins lock the account until locked_until.
CREATE TABLE console_leads (
    lead_id         TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER,
    disabled_at     INTEGER,
    created_at      INTEGER NOT NULL
);

-- The units a lead may see in the console (nothing else is ever shown to them).
CREATE TABLE console_lead_units (
    lead_id TEXT NOT NULL REFERENCES console_leads (lead_id),
    unit_id TEXT NOT NULL REFERENCES units (unit_id),
    PRIMARY KEY (lead_id, unit_id)
) WITHOUT ROWID;

-- Signed-in sessions. The cookie carries 256 random bits; only their SHA-256 is kept. A
-- session ends 30 minutes after it was last used or 12 hours after sign-in (expires_at).
CREATE TABLE console_sessions (
    session_hash TEXT PRIMARY KEY,
    lead_id      TEXT NOT NULL REFERENCES console_leads (lead_id),
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX console_sessions_by_lead ON console_sessions (lead_id);

-- What leads did in the console: who, when, which action, which unit and record ids. Never
-- the content. Append-only.
CREATE TABLE console_audit (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    lead_id   TEXT NOT NULL,
    action    TEXT NOT NULL,
    unit_id   TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail    TEXT NOT NULL
);

CREATE INDEX console_audit_by_entity ON console_audit (entity_id);

CREATE TRIGGER console_audit_no_update BEFORE UPDATE ON console_audit
BEGIN
    SELECT RAISE(ABORT, 'the console audit log is append-only');
END;

CREATE TRIGGER console_audit_no_delete BEFORE DELETE ON console_audit
BEGIN
    SELECT RAISE(ABORT, 'the console audit log is append-only');
END;

-- The devices that are console replicas (one per server data directory): their grants follow
-- the leads' units, and the enrolment page does not list them.
CREATE TABLE console_devices (
    device_id  TEXT PRIMARY KEY REFERENCES devices (device_id),
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- A random id for this store, made once: a console replica remembers the store it belongs to
-- and starts afresh if pointed at another (its sync cursor means nothing there).
CREATE TABLE console_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
