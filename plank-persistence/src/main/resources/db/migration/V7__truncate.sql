-- TRUNCATE is a change like any other: a client holding a table's rows must drop them all. It fires no row trigger,
-- so a table captured by trigger gets a second, statement-level one, plank_truncate (AFTER TRUNCATE ... FOR EACH
-- STATEMENT; TRUNCATE a, b and a CASCADE fire it once on each captured table they empty). It writes what the row
-- trigger writes, without a key or rows:
--   durable:   a change_log row with action 'TRUNCATE' (key, new_row and old_row null; tx and changed_at by default,
--              so it takes its place in its transaction and is replayed on resume like any change);
--   ephemeral: NOTIFY plank_changes '{"table":...,"action":"TRUNCATE","id":null,"data":null,"at":...}' (V3's shape).
-- Under the logical method pgoutput's Truncate message brings the same to plank.log_decoded (below): one log row per
-- truncated table. The plank publication publishes truncate (its default publish list: insert, update, delete,
-- truncate).
--
-- plank.captured_tables keys on the plank_capture trigger alone; plank_truncate always comes and goes with it.
--
-- Also here: plank.capture() and plank.release() NOTIFY plank_catalog, so every instance can learn at once that the
-- captured tables changed, whoever changed them (the admin API, configuration, or psql).

CREATE FUNCTION plank.capture_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    table_name text := plank.table_name(TG_TABLE_SCHEMA, TG_TABLE_NAME);
BEGIN
    IF TG_ARGV[0] = 'durable' THEN
        INSERT INTO plank.change_log (seq, table_name, action) VALUES (nextval('plank.change_seq'), table_name, 'TRUNCATE');
        PERFORM pg_notify('plank_log', '');
        RETURN NULL;
    END IF;
    PERFORM pg_notify('plank_changes', json_build_object('table', table_name, 'action', 'TRUNCATE', 'id', NULL,
            'data', NULL, 'at', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)::text);
    RETURN NULL;
END
$$;

-- As in V6, with plank_truncate beside plank_capture, and plank_catalog told.
CREATE OR REPLACE FUNCTION plank.capture(target regclass, mode text DEFAULT 'durable') RETURNS void
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

    SELECT string_agg(quote_literal(c), ', ') INTO key_columns FROM unnest(plank.key_columns(target)) AS c;

    IF key_columns IS NULL THEN
        RAISE EXCEPTION 'table % has no primary key, so Plank cannot identify its rows', target
            USING ERRCODE = 'invalid_table_definition';
    END IF;

    EXECUTE format('DROP TRIGGER IF EXISTS plank_capture ON %s', target);
    EXECUTE format('DROP TRIGGER IF EXISTS plank_truncate ON %s', target);
    IF mode = 'durable' AND plank.capture_method() = 'logical' THEN
        IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'plank') THEN
            CREATE PUBLICATION plank;
        END IF;
        -- The decoder needs the whole old row of an UPDATE or DELETE, as the trigger's OLD gives it.
        EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', target);
        IF NOT plank.published(target) THEN
            EXECUTE format('ALTER PUBLICATION plank ADD TABLE %s', target);
        END IF;
    ELSE
        IF plank.published(target) THEN
            EXECUTE format('ALTER PUBLICATION plank DROP TABLE %s', target);
        END IF;
        EXECUTE format('CREATE TRIGGER plank_capture AFTER INSERT OR UPDATE OR DELETE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION plank.capture_change(%L, %s)', target, mode, key_columns);
        EXECUTE format('CREATE TRIGGER plank_truncate AFTER TRUNCATE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION plank.capture_truncate(%L)', target, mode);
    END IF;
    PERFORM pg_notify('plank_catalog', '');
END
$$;

CREATE OR REPLACE FUNCTION plank.release(target regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS plank_capture ON %s', target);
    EXECUTE format('DROP TRIGGER IF EXISTS plank_truncate ON %s', target);
    IF plank.published(target) THEN
        EXECUTE format('ALTER PUBLICATION plank DROP TABLE %s', target);
    END IF;
    PERFORM pg_notify('plank_catalog', '');
END
$$;

-- The tables captured by trigger until now get their plank_truncate, in their mode.
DO $$
DECLARE
    captured record;
BEGIN
    FOR captured IN
        SELECT t.tgrelid::regclass AS target,
               convert_from(split_part(encode(t.tgargs, 'escape'), '\000', 1)::bytea, 'UTF8') AS mode
        FROM pg_trigger t
        WHERE t.tgname = 'plank_capture' AND NOT t.tgisinternal
    LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS plank_truncate ON %s', captured.target);
        EXECUTE format('CREATE TRIGGER plank_truncate AFTER TRUNCATE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION plank.capture_truncate(%L)', captured.target, captured.mode);
    END LOOP;
END
$$;

-- plank.log_decoded (V6) takes the decoder's TRUNCATE as it is: an element {"rel":oid,"action":"TRUNCATE","xid":...,
-- "at":...} has neither "new" nor "old", so it is logged with null rows; its key must be null too, not an object of
-- nulls (a composite key). pgoutput names in its Truncate message only the published tables it emptied, and
-- DecodedBatch writes one element per table, in the message's place in commit order.
CREATE OR REPLACE FUNCTION plank.row_key(row_data jsonb, key_columns text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN row_data IS NULL THEN NULL
                WHEN cardinality(key_columns) = 1 THEN row_data -> key_columns[1]
                ELSE (SELECT jsonb_object_agg(c, row_data -> c) FROM unnest(key_columns) AS c) END
$$;
