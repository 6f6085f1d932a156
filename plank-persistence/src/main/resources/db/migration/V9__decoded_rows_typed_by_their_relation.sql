-- Logical decoding under DDL: a change is typed by the columns it was written with, not by the table as it is when
-- the decoder logs it. V6 typed every decoded row with jsonb_populate_record(NULL::table, ...), the table's row type
-- at logging time: a change written before ALTER TABLE ... DROP/RENAME COLUMN or ... TYPE and logged after it lost
-- the dropped or renamed column's value, showed a column added later as null, and a value that no longer fits the new
-- type failed the decoder's whole batch, again on every retry.
--
-- The decoder now sends, beside the changes, the shape of each relation as pgoutput announced it (its Relation
-- message: column names and type ids), and each change names its shape. Where a shape is the table's row type now
-- (the usual case) the rows are typed by jsonb_populate_record as before, the fast way; otherwise each value is typed
-- by its own column's type (plank.decoded_value), so the row has exactly the columns it was written with.

CREATE FUNCTION plank.decoded_value(value jsonb, type_id oid) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    typed jsonb;
BEGIN
    IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
        RETURN 'null'::jsonb;
    END IF;
    IF type_id IN (114, 3802) THEN
        RETURN value; -- json and jsonb arrive as JSON
    END IF;
    CASE type_id
        WHEN 16 THEN RETURN to_jsonb((value #>> '{}')::boolean);
        WHEN 21, 23, 20 THEN RETURN to_jsonb((value #>> '{}')::bigint);
        WHEN 1700 THEN RETURN to_jsonb((value #>> '{}')::numeric);
        WHEN 700 THEN RETURN to_jsonb((value #>> '{}')::real);
        WHEN 701 THEN RETURN to_jsonb((value #>> '{}')::double precision);
        WHEN 25, 1043, 1042, 19 THEN RETURN value;
        ELSE
            IF NOT EXISTS (SELECT 1 FROM pg_type WHERE oid = type_id) THEN
                RETURN value; -- its type was dropped since: the text pgoutput sent
            END IF;
            EXECUTE format('SELECT to_jsonb($1::%s)', type_id::regtype) INTO typed USING value #>> '{}';
            RETURN typed;
    END CASE;
END
$$;

-- A row as pgoutput sent it ({column: text, or JSON for json/jsonb}) typed by its shape ({column: type id}).
CREATE FUNCTION plank.decoded_row(decoded jsonb, shape jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN decoded IS NULL THEN NULL
                ELSE COALESCE((SELECT jsonb_object_agg(c.key, plank.decoded_value(decoded -> c.key, c.value::text::oid))
                               FROM jsonb_each(shape) c WHERE decoded ? c.key), '{}'::jsonb) END
$$;

-- The table's columns now, as a shape: {column: type id}.
CREATE FUNCTION plank.relation_shape(rel oid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(jsonb_object_agg(a.attname, a.atttypid::bigint), '{}'::jsonb)
    FROM pg_attribute a WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
$$;

DROP FUNCTION plank.log_decoded(jsonb, pg_lsn, pg_lsn);

-- changes: as in V6, each with "shape", a key of shapes ({"<shape>": {column: type id}}); a change without rows (a
-- TRUNCATE) needs none.
CREATE FUNCTION plank.log_decoded(changes jsonb, shapes jsonb, commit_lsn pg_lsn, processed_lsn pg_lsn) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    seqs     bigint[];
    part     record;
    relation text;
    logged   bigint := 0;
    n        bigint;
    next_xid bigint := pg_snapshot_xmax(pg_current_snapshot())::text::bigint;
BEGIN
    seqs := ARRAY(SELECT nextval('plank.change_seq') FROM generate_series(1, jsonb_array_length(changes)));
    FOR part IN SELECT DISTINCT (c ->> 'rel')::oid AS rel, c ->> 'shape' AS shape FROM jsonb_array_elements(changes) c LOOP
        SELECT plank.table_name(s.nspname, t.relname) INTO relation
        FROM pg_class t JOIN pg_namespace s ON s.oid = t.relnamespace WHERE t.oid = part.rel;
        IF relation IS NULL THEN
            RAISE WARNING 'Plank: changes to a table dropped before they were logged are not logged (relation %)', part.rel;
            CONTINUE;
        END IF;
        IF shapes -> part.shape = plank.relation_shape(part.rel) THEN
            EXECUTE format($sql$
                INSERT INTO plank.change_log (seq, table_name, action, key, new_row, old_row, changed_at, tx)
                SELECT $2[e.n], $4, e.c ->> 'action', plank.row_key(COALESCE(r.new_row, r.old_row), $3),
                       r.new_row, r.old_row, (e.c ->> 'at')::timestamptz, plank.full_xid((e.c ->> 'xid')::bigint, $5)
                FROM jsonb_array_elements($1) WITH ORDINALITY AS e(c, n),
                     LATERAL (SELECT CASE WHEN e.c ? 'new' THEN to_jsonb(jsonb_populate_record(NULL::%1$s, e.c -> 'new')) END AS new_row,
                                     CASE WHEN e.c ? 'old' THEN to_jsonb(jsonb_populate_record(NULL::%1$s, e.c -> 'old')) END AS old_row) AS r
                WHERE (e.c ->> 'rel')::oid = %2$s AND e.c ->> 'shape' IS NOT DISTINCT FROM $6$sql$, part.rel::regclass, part.rel)
            USING changes, seqs, plank.key_columns(part.rel), relation, next_xid, part.shape;
        ELSE
            INSERT INTO plank.change_log (seq, table_name, action, key, new_row, old_row, changed_at, tx)
            SELECT seqs[e.n], relation, e.c ->> 'action', plank.row_key(COALESCE(r.new_row, r.old_row), plank.key_columns(part.rel)),
                   r.new_row, r.old_row, (e.c ->> 'at')::timestamptz, plank.full_xid((e.c ->> 'xid')::bigint, next_xid)
            FROM jsonb_array_elements(changes) WITH ORDINALITY AS e(c, n),
                 LATERAL (SELECT plank.decoded_row(e.c -> 'new', shapes -> part.shape) AS new_row,
                                 plank.decoded_row(e.c -> 'old', shapes -> part.shape) AS old_row) AS r
            WHERE (e.c ->> 'rel')::oid = part.rel AND e.c ->> 'shape' IS NOT DISTINCT FROM part.shape;
        END IF;
        GET DIAGNOSTICS n = ROW_COUNT;
        logged := logged + n;
    END LOOP;
    UPDATE plank.decoder_position
    SET commit_lsn = greatest(plank.decoder_position.commit_lsn, log_decoded.commit_lsn),
        processed_lsn = greatest(plank.decoder_position.processed_lsn, log_decoded.processed_lsn);
    RETURN logged;
END
$$;

-- The 64-bit id of a decoded 32-bit xid: the one nearest the newest id. V6 took the previous epoch for any xid at or
-- past the newest id's low bits, but pgoutput can hand on a commit before the committing backend has left the proc
-- array, so the newest id (a snapshot's xmax) may not yet be past it: the tx came out negative (a fresh-clone run,
-- SnapshotIT under logical decoding), and a snapshot could not see that it contained the change.
CREATE OR REPLACE FUNCTION plank.full_xid(xid bigint, next_xid bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN ((next_xid >> 32) << 32) + xid > next_xid + 2147483648 THEN (((next_xid >> 32) - 1) << 32) + xid
                ELSE ((next_xid >> 32) << 32) + xid END
$$;
