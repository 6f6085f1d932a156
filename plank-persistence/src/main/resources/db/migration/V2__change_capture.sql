-- Change capture. A trigger on each captured table records every committed INSERT, UPDATE and DELETE,
-- whoever makes it. One trigger function serves every table; its arguments are the capture mode followed by
-- the primary-key columns (plank.capture() fills them in), so it never looks them up per row.
--
-- Durable mode (the default) writes each change to plank.change_log in the writer's own transaction,
-- numbered by seq, and NOTIFYs plank_log with an empty payload, which PostgreSQL folds into one wake-up per
-- transaction. The rows travel through the log: a change is delivered whole whatever its size, and one
-- committed while nobody listened is still there to catch up on.
--
-- seq is taken before commit, so transactions can commit out of seq order. The listener delivers in seq
-- order and treats a missing seq as a gap: it waits until every transaction running when the gap was seen
-- has ended, then delivers the seq if it committed or skips it if it rolled back (see ChangeLogReader).
--
-- Ephemeral mode writes nothing: the NOTIFY on plank_changes carries the finished wire frame,
--   {"type":"change","table":...,"action":...,"id":...,"data":{row},"at":...}
-- A NOTIFY payload must stay under 8000 bytes; a larger row still commits and is announced with
-- "data":null and "truncated":true. Nothing here may make the user's write fail.

CREATE SEQUENCE plank.change_seq AS bigint;

CREATE TABLE plank.change_log (
    seq        bigint      PRIMARY KEY,
    table_name text        NOT NULL,
    action     text        NOT NULL,
    key        jsonb,
    new_row    jsonb,
    old_row    jsonb,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX change_log_by_table ON plank.change_log (table_name, seq);

-- The wire frame of a logged change, built where the data is, once.
CREATE FUNCTION plank.change_frame(entry plank.change_log) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('type', 'change', 'seq', entry.seq, 'table', entry.table_name,
                             'action', entry.action, 'id', entry.key,
                             'data', COALESCE(entry.new_row, entry.old_row),
                             'at', to_char(entry.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text
$$;

-- The trigger function.
CREATE FUNCTION plank.capture_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    row_data   jsonb;
    key        jsonb;
    table_name text;
    at         text;
    frame      text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        row_data := to_jsonb(OLD);
    ELSE
        row_data := to_jsonb(NEW);
    END IF;

    IF TG_NARGS = 2 THEN
        key := row_data -> TG_ARGV[1];
    ELSE
        SELECT jsonb_object_agg(column_name, row_data -> column_name) INTO key
        FROM unnest(TG_ARGV[1:]) AS column_name;
    END IF;

    table_name := CASE WHEN TG_TABLE_SCHEMA = 'public' THEN TG_TABLE_NAME
                       ELSE TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME END;

    IF TG_ARGV[0] = 'durable' THEN
        INSERT INTO plank.change_log (seq, table_name, action, key, new_row, old_row)
        VALUES (nextval('plank.change_seq'), table_name, TG_OP, key,
                CASE WHEN TG_OP <> 'DELETE' THEN row_data END,
                CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END);
        PERFORM pg_notify('plank_log', '');
        RETURN NULL;
    END IF;

    -- Ephemeral: the frame itself is the notification, as before; nothing is written.
    at := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    frame := json_build_object('type', 'change', 'table', table_name, 'action', TG_OP,
                               'id', key, 'data', row_data, 'at', at)::text;
    IF octet_length(frame) >= 8000 THEN
        frame := json_build_object('type', 'change', 'table', table_name, 'action', TG_OP,
                                   'id', key, 'data', NULL, 'truncated', true, 'at', at)::text;
        IF octet_length(frame) >= 8000 THEN
            frame := json_build_object('type', 'change', 'table', table_name, 'action', TG_OP,
                                       'id', NULL, 'data', NULL, 'truncated', true, 'at', at)::text;
        END IF;
    END IF;
    PERFORM pg_notify('plank_changes', frame);
    RETURN NULL;
END
$$;

-- Attaches the capture trigger to a table with a primary key (composite keys work), or changes its mode.
-- Safe to call again. The name is resolved as regclass, so it cannot inject SQL.
CREATE FUNCTION plank.capture(target regclass, mode text DEFAULT 'durable') RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    key_columns text;
BEGIN
    IF mode NOT IN ('durable', 'ephemeral') THEN
        RAISE EXCEPTION 'capture mode must be durable or ephemeral, not %', mode
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    IF target IS NULL THEN
        RAISE EXCEPTION 'there is no such table' USING ERRCODE = 'undefined_table';
    END IF;

    IF (SELECT relkind FROM pg_class WHERE oid = target) NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '% is not a table (views and other relations cannot be captured)', target
            USING ERRCODE = 'wrong_object_type';
    END IF;

    SELECT string_agg(quote_literal(a.attname), ', ' ORDER BY k.ord) INTO key_columns
    FROM pg_index i
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = target AND i.indisprimary;

    IF key_columns IS NULL THEN
        RAISE EXCEPTION 'table % has no primary key, so Plank cannot identify its rows', target
            USING ERRCODE = 'invalid_table_definition';
    END IF;

    EXECUTE format('DROP TRIGGER IF EXISTS plank_capture ON %s', target);
    EXECUTE format('CREATE TRIGGER plank_capture AFTER INSERT OR UPDATE OR DELETE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION plank.capture_change(%L, %s)', target, mode, key_columns);
END
$$;

CREATE FUNCTION plank.release(target regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS plank_capture ON %s', target);
END
$$;

-- The captured tables, named as change frames name them, with their mode.
CREATE VIEW plank.captured_tables AS
SELECT CASE WHEN n.nspname = 'public' THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table_name,
       convert_from(split_part(encode(t.tgargs, 'escape'), '\000', 1)::bytea, 'UTF8') AS mode
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE t.tgname = 'plank_capture' AND NOT t.tgisinternal;

-- How far each Plank instance has delivered, so a restarted or redeployed instance carries on from there.
CREATE TABLE plank.listener_cursor (
    instance   text        PRIMARY KEY,
    seq        bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Everything up to pruned_through has been pruned: a client resuming from an older seq must reload.
CREATE TABLE plank.log_retention (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    pruned_through bigint  NOT NULL DEFAULT 0
);
INSERT INTO plank.log_retention DEFAULT VALUES;

DO $$ BEGIN PERFORM plank.capture('public.items', 'durable'); END $$;
