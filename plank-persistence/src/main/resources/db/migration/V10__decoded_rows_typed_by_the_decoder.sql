-- The decoder types rows of plain column types itself and COPYs its log rows in. plank.log_decoded (V9) did all of a
-- batch's work in SQL, per row: parse the batch's JSON, type each value with jsonb_populate_record and turn the
-- record back into jsonb, key, tx. Profiled under eight writers (WriteCostBench, 2026-12-07), its calls cost the
-- decoder's backend more CPU per captured row than the writer's own INSERT, on a machine whose cores the writers
-- need. Now the decoder (io.plank.listener.logical.RowJson) writes the JSON that to_jsonb gives for booleans,
-- numbers, text, uuid, json and jsonb, computes key and tx, and COPYs the rows; what it asks of SQL per batch is:
--   plank.decoder_batch     the batch's seqs in commit order, the newest transaction id (for tx), the position, the
--                           NOTIFY;
--   plank.decoded_tables    each relation's table name and key columns now, as log_decoded named and keyed them;
--   plank.typed_decoded_rows  the rows of any other column type (timestamps, arrays, domains, enums, ...), typed as
--                           log_decoded typed them (V9), with their keys.
-- The log's rows are the same as before (LogicalDecoderTest compares them with the trigger's, for every kind of
-- column).

DROP FUNCTION plank.log_decoded(jsonb, jsonb, pg_lsn, pg_lsn);

-- One call per batch, first in the decoder's transaction: seqs are taken in the batch's order, which is commit order;
-- next_xid is what plank.full_xid needs to widen pgoutput's 32-bit xids; the NOTIFY is sent at commit.
CREATE FUNCTION plank.decoder_batch(changes integer, commit_lsn pg_lsn, processed_lsn pg_lsn,
                                    OUT seqs bigint[], OUT next_xid bigint)
LANGUAGE plpgsql AS $$
BEGIN
    seqs := ARRAY(SELECT nextval('plank.change_seq') FROM generate_series(1, changes));
    next_xid := pg_snapshot_xmax(pg_current_snapshot())::text::bigint;
    UPDATE plank.decoder_position
    SET commit_lsn = greatest(plank.decoder_position.commit_lsn, decoder_batch.commit_lsn),
        processed_lsn = greatest(plank.decoder_position.processed_lsn, decoder_batch.processed_lsn);
    IF changes > 0 THEN
        PERFORM pg_notify('plank_log', '');
    END IF;
END
$$;

-- PL/pgSQL, whose plans last the session: as SQL functions that cannot be inlined, key_columns and this one were
-- parsed and planned at every call, a fifth of the decoder's backend CPU (perf under WriteCostBench, 2026-12-07).
CREATE OR REPLACE FUNCTION plank.key_columns(target regclass) RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT array_agg(a.attname::text ORDER BY k.ord)
            FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = target AND i.indisprimary);
END
$$;

-- The relations that still exist, named as the trigger names them, with their primary key's columns in key order.
CREATE FUNCTION plank.decoded_tables(rels oid[]) RETURNS TABLE (rel oid, table_name text, key_columns text[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT t.oid, plank.table_name(s.nspname, t.relname), plank.key_columns(t.oid)
    FROM pg_class t JOIN pg_namespace s ON s.oid = t.relnamespace
    WHERE t.oid = ANY (rels);
END
$$;

-- changes: as log_decoded took them (V6, V9), each with "n", its place in the batch; shapes as in V9. Typed by the
-- table's row type where the shape is the table's now, else value by value by the shape's types (V9's reasons).
CREATE FUNCTION plank.typed_decoded_rows(changes jsonb, shapes jsonb)
RETURNS TABLE (n integer, key jsonb, new_row jsonb, old_row jsonb)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    part record;
BEGIN
    FOR part IN SELECT DISTINCT (c ->> 'rel')::oid AS rel, c ->> 'shape' AS shape FROM jsonb_array_elements(changes) c LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = part.rel) THEN
            CONTINUE; -- dropped before it was logged: plank.decoded_tables leaves it out, the decoder warns
        END IF;
        IF shapes -> part.shape = plank.relation_shape(part.rel) THEN
            RETURN QUERY EXECUTE format($sql$
                SELECT (e.c ->> 'n')::integer, plank.row_key(COALESCE(r.new_row, r.old_row), $2), r.new_row, r.old_row
                FROM jsonb_array_elements($1) AS e(c),
                     LATERAL (SELECT CASE WHEN e.c ? 'new' THEN to_jsonb(jsonb_populate_record(NULL::%1$s, e.c -> 'new')) END AS new_row,
                                     CASE WHEN e.c ? 'old' THEN to_jsonb(jsonb_populate_record(NULL::%1$s, e.c -> 'old')) END AS old_row) AS r
                WHERE (e.c ->> 'rel')::oid = %2$s AND e.c ->> 'shape' IS NOT DISTINCT FROM $3$sql$, part.rel::regclass, part.rel)
            USING changes, plank.key_columns(part.rel), part.shape;
        ELSE
            RETURN QUERY
            SELECT (e.c ->> 'n')::integer, plank.row_key(COALESCE(r.new_row, r.old_row), plank.key_columns(part.rel)),
                   r.new_row, r.old_row
            FROM jsonb_array_elements(changes) AS e(c),
                 LATERAL (SELECT plank.decoded_row(e.c -> 'new', shapes -> part.shape) AS new_row,
                                 plank.decoded_row(e.c -> 'old', shapes -> part.shape) AS old_row) AS r
            WHERE (e.c ->> 'rel')::oid = part.rel AND e.c ->> 'shape' IS NOT DISTINCT FROM part.shape;
        END IF;
    END LOOP;
END
$$;
