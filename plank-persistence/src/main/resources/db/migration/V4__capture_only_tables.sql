-- Only tables (plain or partitioned) can be captured; say so instead of "no primary key" for a view.
CREATE OR REPLACE FUNCTION plank.capture(target regclass, mode text DEFAULT 'durable') RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    key_columns text;
BEGIN
    IF mode NOT IN ('durable', 'ephemeral') THEN
        RAISE EXCEPTION 'capture mode must be durable or ephemeral, not %', mode
            USING ERRCODE = 'invalid_parameter_value';
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
