-- The database hands over a change's fields; Plank builds the wire frame from them, once per change, in one place
-- (the web module's Frames). Until now the frame was built here as well: plank.change_frame for logged changes and
-- the ephemeral NOTIFY payload, so a protocol field needed a migration and Java edits in several places.
--
-- Logged changes are read column by column (ChangeLogRows). The ephemeral notification on plank_changes now carries
--   {"table":...,"action":...,"id":<key>,"data":<row>,"at":<microseconds since the epoch>}
-- and, for a row too large for a notification (8000 bytes), "data":null,"truncated":true (and "id":null if even the
-- key does not fit). Plank decodes it strictly: anyone may NOTIFY plank_changes by hand.
--
-- Also here, once: how Plank names a table ("items" in schema public, "sales.invoices" elsewhere), which the trigger
-- function and the captured_tables view wrote out each.

DROP FUNCTION plank.change_frame(plank.change_log);

CREATE FUNCTION plank.table_name(schema_name name, relation_name name) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN schema_name = 'public' THEN relation_name::text ELSE schema_name || '.' || relation_name END
$$;

CREATE OR REPLACE FUNCTION plank.capture_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    row_data   jsonb;
    key        jsonb;
    table_name text;
    at         bigint;
    payload    text;
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

    table_name := plank.table_name(TG_TABLE_SCHEMA, TG_TABLE_NAME);

    IF TG_ARGV[0] = 'durable' THEN
        INSERT INTO plank.change_log (seq, table_name, action, key, new_row, old_row)
        VALUES (nextval('plank.change_seq'), table_name, TG_OP, key,
                CASE WHEN TG_OP <> 'DELETE' THEN row_data END,
                CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END);
        PERFORM pg_notify('plank_log', '');
        RETURN NULL;
    END IF;

    -- Ephemeral: the change's fields are the notification; nothing is written.
    at := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
    payload := json_build_object('table', table_name, 'action', TG_OP, 'id', key, 'data', row_data, 'at', at)::text;
    IF octet_length(payload) >= 8000 THEN
        payload := json_build_object('table', table_name, 'action', TG_OP, 'id', key, 'data', NULL,
                                     'truncated', true, 'at', at)::text;
        IF octet_length(payload) >= 8000 THEN
            payload := json_build_object('table', table_name, 'action', TG_OP, 'id', NULL, 'data', NULL,
                                         'truncated', true, 'at', at)::text;
        END IF;
    END IF;
    PERFORM pg_notify('plank_changes', payload);
    RETURN NULL;
END
$$;

CREATE OR REPLACE VIEW plank.captured_tables AS
SELECT plank.table_name(n.nspname, c.relname) AS table_name,
       convert_from(split_part(encode(t.tgargs, 'escape'), '\000', 1)::bytea, 'UTF8') AS mode
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE t.tgname = 'plank_capture' AND NOT t.tgisinternal;
