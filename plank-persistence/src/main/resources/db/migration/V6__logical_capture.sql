-- A second way to capture durable tables: logical decoding. The capture trigger costs concurrent writers more than
-- its log row: its NOTIFY takes a database-wide lock at commit and serialises every capturing writer (3.4-3.6x at 8
-- connections, see README "Capture methods and write cost"). With the logical method a durable table has no trigger
-- at all: it is in the publication "plank" with REPLICA IDENTITY FULL (so deletes and updates carry the whole old
-- row), and Plank's decoder (plank-listener, io.plank.listener.logical) reads the committed changes from a logical
-- replication slot and writes them into plank.change_log itself, in commit order, in transactions of its own.
-- Everything that reads the log (the listener's feed, replay, snapshots) stays as it is.
--
-- Which method is used is a deployment setting (plank.capture.method); the listener stores it here at start-up
-- (plank.use_capture_method), so that plank.capture() called by the admin API, by plank.capture.tables or by hand in
-- psql captures the same way. Ephemeral tables keep their NOTIFY trigger under either method: they are notify-only.

-- Made here, empty, under either method: pgoutput reads the publication as of each change it decodes, so a slot
-- made before the publication existed fails on every change before that point ("publication does not exist").
CREATE PUBLICATION plank;

CREATE TABLE plank.capture_settings (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    method    text    NOT NULL DEFAULT 'trigger' CHECK (method IN ('trigger', 'logical'))
);
INSERT INTO plank.capture_settings DEFAULT VALUES;

-- How far the decoder has logged, written in the same transaction as the log rows, so that after any crash a
-- transaction is logged once: one whose commit is at or below commit_lsn is already in the log and is skipped.
-- processed_lsn: every transaction that committed before it is in the log (or touched no captured table); a
-- snapshot waits for it to pass the point where the snapshot was taken.
CREATE TABLE plank.decoder_position (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    commit_lsn    pg_lsn  NOT NULL DEFAULT '0/0',
    processed_lsn pg_lsn  NOT NULL DEFAULT '0/0'
);
INSERT INTO plank.decoder_position DEFAULT VALUES;

CREATE FUNCTION plank.capture_method() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT method FROM plank.capture_settings
$$;

-- Whether a table is in Plank's publication (captured durably by the logical method).
CREATE FUNCTION plank.published(target regclass) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_publication p JOIN pg_publication_rel r ON r.prpubid = p.oid
                   WHERE p.pubname = 'plank' AND r.prrelid = target)
$$;

-- The primary key's columns in key order: the trigger's arguments, and the decoder's key.
CREATE FUNCTION plank.key_columns(target regclass) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT array_agg(a.attname::text ORDER BY k.ord)
    FROM pg_index i
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = target AND i.indisprimary
$$;

-- The trigger and the publication are each taken away where the other method (or mode) now captures the table: a
-- table is captured one way at a time, and switching happens in one transaction (DROP TRIGGER and ALTER PUBLICATION
-- both lock the table, so a write commits wholly before or wholly after the switch).
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
    IF mode = 'durable' AND plank.capture_method() = 'logical' THEN
        IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'plank') THEN
            CREATE PUBLICATION plank;
        END IF;
        -- The decoder needs the whole old row of an UPDATE or DELETE, as the trigger's OLD gives it.
        EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', target);
        IF NOT plank.published(target) THEN
            EXECUTE format('ALTER PUBLICATION plank ADD TABLE %s', target);
        END IF;
        RETURN;
    END IF;
    IF plank.published(target) THEN
        EXECUTE format('ALTER PUBLICATION plank DROP TABLE %s', target);
    END IF;
    EXECUTE format('CREATE TRIGGER plank_capture AFTER INSERT OR UPDATE OR DELETE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION plank.capture_change(%L, %s)', target, mode, key_columns);
END
$$;

-- REPLICA IDENTITY is left as it is: the table's owner may rely on it, and FULL only costs WAL.
CREATE OR REPLACE FUNCTION plank.release(target regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS plank_capture ON %s', target);
    IF plank.published(target) THEN
        EXECUTE format('ALTER PUBLICATION plank DROP TABLE %s', target);
    END IF;
END
$$;

-- Captured tables, by trigger or by publication; method says which.
CREATE OR REPLACE VIEW plank.captured_tables AS
SELECT plank.table_name(n.nspname, c.relname) AS table_name,
       convert_from(split_part(encode(t.tgargs, 'escape'), '\000', 1)::bytea, 'UTF8') AS mode,
       'trigger'::text AS method
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE t.tgname = 'plank_capture' AND NOT t.tgisinternal
UNION ALL
SELECT plank.table_name(n.nspname, c.relname), 'durable', 'logical'
FROM pg_publication p
JOIN pg_publication_rel r ON r.prpubid = p.oid
JOIN pg_class c ON c.oid = r.prrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE p.pubname = 'plank';

-- Sets the method and moves every durable table to it; returns how many tables moved. The listener calls it at
-- start-up with plank.capture.method, after it made sure its replication slot exists (a table published before the
-- slot existed would lose the changes in between).
CREATE FUNCTION plank.use_capture_method(new_method text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    moved integer := 0;
    captured record;
BEGIN
    UPDATE plank.capture_settings SET method = new_method;
    FOR captured IN SELECT table_name FROM plank.captured_tables WHERE mode = 'durable' AND method <> new_method LOOP
        PERFORM plank.capture(to_regclass(CASE WHEN position('.' IN captured.table_name) > 0 THEN captured.table_name
                                               ELSE 'public.' || captured.table_name END), 'durable');
        moved := moved + 1;
    END LOOP;
    RETURN moved;
END
$$;

-- The decoder's write: one call per batch of decoded transactions, in the decoder's own transaction. changes is a
-- JSON array in commit order of {"rel":oid,"action":...,"xid":32-bit id,"at":commit time,"new":{column:text},
-- "old":{column:text}}, each row as pgoutput sends it: text values (JSON for json and jsonb columns). The values are
-- turned into the table's row type by PostgreSQL's own input functions, so new_row, old_row and key are exactly what
-- to_jsonb(NEW) gives the trigger; the table is named as the trigger names it; tx is the 64-bit id that
-- pg_current_xact_id() gave the writer (pgoutput sends 32 bits: the epoch is that of the newest id, or the one before
-- if that would put the id in the future). seq is taken here in the array's order, which is commit order.
CREATE FUNCTION plank.log_decoded(changes jsonb, commit_lsn pg_lsn, processed_lsn pg_lsn) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    seqs     bigint[];
    rel      oid;
    relation text;
    logged   bigint := 0;
    n        bigint;
    next_xid bigint := pg_snapshot_xmax(pg_current_snapshot())::text::bigint;
BEGIN
    seqs := ARRAY(SELECT nextval('plank.change_seq') FROM generate_series(1, jsonb_array_length(changes)));
    FOR rel IN SELECT DISTINCT (c ->> 'rel')::oid FROM jsonb_array_elements(changes) c LOOP
        SELECT plank.table_name(s.nspname, t.relname) INTO relation
        FROM pg_class t JOIN pg_namespace s ON s.oid = t.relnamespace WHERE t.oid = rel;
        IF relation IS NULL THEN
            CONTINUE; -- dropped since: its changes cannot be typed any more
        END IF;
        EXECUTE format($sql$
            INSERT INTO plank.change_log (seq, table_name, action, key, new_row, old_row, changed_at, tx)
            SELECT $2[e.n], $4, e.c ->> 'action', plank.row_key(COALESCE(r.new_row, r.old_row), $3),
                   r.new_row, r.old_row, (e.c ->> 'at')::timestamptz, plank.full_xid((e.c ->> 'xid')::bigint, $5)
            FROM jsonb_array_elements($1) WITH ORDINALITY AS e(c, n),
                 LATERAL (SELECT CASE WHEN e.c ? 'new' THEN to_jsonb(jsonb_populate_record(NULL::%1$s, e.c -> 'new')) END AS new_row,
                                 CASE WHEN e.c ? 'old' THEN to_jsonb(jsonb_populate_record(NULL::%1$s, e.c -> 'old')) END AS old_row) AS r
            WHERE (e.c ->> 'rel')::oid = %2$s$sql$, rel::regclass, rel)
        USING changes, seqs, plank.key_columns(rel), relation, next_xid;
        GET DIAGNOSTICS n = ROW_COUNT;
        logged := logged + n;
    END LOOP;
    UPDATE plank.decoder_position
    SET commit_lsn = greatest(plank.decoder_position.commit_lsn, log_decoded.commit_lsn),
        processed_lsn = greatest(plank.decoder_position.processed_lsn, log_decoded.processed_lsn);
    RETURN logged;
END
$$;

CREATE FUNCTION plank.full_xid(xid bigint, next_xid bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN ((next_xid >> 32) << 32) + xid < next_xid THEN ((next_xid >> 32) << 32) + xid
                ELSE (((next_xid >> 32) - 1) << 32) + xid END
$$;

-- The key as the trigger writes it: the value itself for a one-column key, an object of the columns otherwise.
CREATE FUNCTION plank.row_key(row_data jsonb, key_columns text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN cardinality(key_columns) = 1 THEN row_data -> key_columns[1]
                ELSE (SELECT jsonb_object_agg(c, row_data -> c) FROM unnest(key_columns) AS c) END
$$;
