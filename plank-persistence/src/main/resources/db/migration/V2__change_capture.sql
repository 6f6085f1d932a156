-- Change capture: one trigger function for every captured table. The trigger's arguments name the
-- primary-key columns (plank.capture() fills them in), so the function never looks them up per row.
--
-- Each change becomes one NOTIFY on channel plank_changes whose payload is the finished wire frame:
--   {"type":"change","table":...,"action":...,"id":...,"data":{row},"at":...}
-- NOTIFY is transactional, so rolled-back changes send nothing and committed ones arrive after commit.
-- A payload must stay under 8000 bytes; a larger row still commits and is announced with "data":null
-- and "truncated":true. Nothing here may make the user's write fail.
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

    IF TG_NARGS = 1 THEN
        key := row_data -> TG_ARGV[0];
    ELSE
        SELECT jsonb_object_agg(column_name, row_data -> column_name) INTO key
        FROM unnest(TG_ARGV) AS column_name;
    END IF;

    table_name := CASE WHEN TG_TABLE_SCHEMA = 'public' THEN TG_TABLE_NAME
                       ELSE TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME END;
    at := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');

    frame := json_build_object('type', 'change', 'table', table_name, 'action', TG_OP,
                               'id', key, 'data', row_data, 'at', at)::text;
    IF octet_length(frame) >= 8000 THEN
        frame := json_build_object('type', 'change', 'table', table_name, 'action', TG_OP,
                                   'id', key, 'data', NULL, 'truncated', true, 'at', at)::text;
        IF octet_length(frame) >= 8000 THEN
            -- Only a primary key of thousands of bytes gets here; announce the change without it.
            frame := json_build_object('type', 'change', 'table', table_name, 'action', TG_OP,
                                       'id', NULL, 'data', NULL, 'truncated', true, 'at', at)::text;
        END IF;
    END IF;

    PERFORM pg_notify('plank_changes', frame);
    RETURN NULL;
END
$$;

-- Attaches the capture trigger to a table with a primary key. Safe to call again (it replaces the
-- trigger, picking up a changed key). The name is resolved as regclass, so it cannot inject SQL.
CREATE FUNCTION plank.capture(target regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    key_columns text;
BEGIN
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
                   'FOR EACH ROW EXECUTE FUNCTION plank.capture_change(%s)', target, key_columns);
END
$$;

CREATE FUNCTION plank.release(target regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS plank_capture ON %s', target);
END
$$;

-- The captured tables, named as change frames name them.
CREATE VIEW plank.captured_tables AS
SELECT CASE WHEN n.nspname = 'public' THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table_name
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE t.tgname = 'plank_capture' AND NOT t.tgisinternal;

DO $$ BEGIN PERFORM plank.capture('public.items'); END $$;
