-- Steady device store, schema 5: how far the sync server holds this device's audit trail.
--
-- The audit trail (schema 1, table `audit`) is sent to the server after each sync's push and
-- pull (`POST /v1/audit`), so a subject-access request answered there can say who viewed a
-- person's record on which phone. `audit_acked` is the last seq the server has acknowledged:
-- the next sync sends the events after it. Acknowledged events stay here (the trail is
-- append-only and is this device's own record); 0 means none has been acknowledged yet, so a
-- store upgraded to this version sends its whole trail, in bounded batches.
ALTER TABLE sync_state ADD COLUMN audit_acked INTEGER NOT NULL DEFAULT 0;
