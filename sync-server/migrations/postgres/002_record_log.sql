-- Steady sync server, PostgreSQL schema version 2: the record log (see src/records_log.rs).
-- Every cell of an incident at the moment it is submitted, and each addendum accepted after,
-- append-only and hash-chained; `steady-server verify` checks it and the incidents against it.
CREATE TABLE record_log (
    seq         bigint PRIMARY KEY,
    entity      text NOT NULL,
    entity_id   text NOT NULL,
    field       text NOT NULL,
    item_id     text NOT NULL,
    unit_id     text NOT NULL,
    value_json  text NOT NULL,
    hlc_wall    bigint NOT NULL,
    hlc_counter bigint NOT NULL,
    hlc_device  text NOT NULL,
    logged_at   bigint NOT NULL,
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL
);

CREATE FUNCTION record_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the record log is append-only';
END
$$;

CREATE TRIGGER record_log_no_change BEFORE UPDATE OR DELETE ON record_log
    FOR EACH ROW EXECUTE FUNCTION record_log_append_only();

CREATE TRIGGER record_log_no_truncate BEFORE TRUNCATE ON record_log
    FOR EACH STATEMENT EXECUTE FUNCTION record_log_append_only();
