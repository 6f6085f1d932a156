-- What changes under open streams besides rows: who may read what (grants and row bindings) and which tables are
-- captured with which columns. Every instance must apply such a change to the subscriptions it already serves.
--
-- Access: a statement trigger on the stored rules counts each change in plank.access_version and NOTIFYs
-- plank_access. The listener reads the counter in the same statement as the change log, so a change committed after
-- a new rule is never handed on under the old one (the listener applies the rule first); the NOTIFY makes the rule
-- reach open streams when no change follows it.
--
-- Catalog: an event trigger NOTIFYs plank_catalog after DDL that can touch a captured table (ALTER, DROP, a trigger
-- or the publication changed). Event triggers need a superuser, which managed databases often refuse: without one
-- the migration goes on without it, and each instance also reads the catalog once a second (CatalogWatch).

CREATE TABLE plank.access_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint  NOT NULL DEFAULT 0
);
INSERT INTO plank.access_version DEFAULT VALUES;

CREATE FUNCTION plank.access_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE plank.access_version SET version = version + 1;
    PERFORM pg_notify('plank_access', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER plank_access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plank.table_grants
    FOR EACH STATEMENT EXECUTE FUNCTION plank.access_changed();
CREATE TRIGGER plank_access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plank.row_bindings
    FOR EACH STATEMENT EXECUTE FUNCTION plank.access_changed();

-- Temporary tables come and go in some applications by the thousand: they are never captured, so they wake nobody.
CREATE FUNCTION plank.catalog_changed_by_ddl() RETURNS event_trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() c
               WHERE c.command_tag IN ('ALTER TABLE', 'CREATE TRIGGER', 'DROP TRIGGER', 'ALTER PUBLICATION',
                                       'CREATE PUBLICATION', 'ALTER SCHEMA', 'ALTER TYPE', 'ALTER DOMAIN')
                 AND c.schema_name IS DISTINCT FROM 'pg_temp'
                 AND c.schema_name NOT LIKE 'pg_temp%') THEN
        PERFORM pg_notify('plank_catalog', '');
    END IF;
END
$$;

CREATE FUNCTION plank.catalog_changed_by_drop() RETURNS event_trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() d
               WHERE NOT d.is_temporary
                 AND d.object_type IN ('table', 'table column', 'trigger', 'publication relation', 'schema')) THEN
        PERFORM pg_notify('plank_catalog', '');
    END IF;
END
$$;

DO $$
BEGIN
    CREATE EVENT TRIGGER plank_catalog_ddl ON ddl_command_end EXECUTE FUNCTION plank.catalog_changed_by_ddl();
    CREATE EVENT TRIGGER plank_catalog_drop ON sql_drop EXECUTE FUNCTION plank.catalog_changed_by_drop();
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'Plank: no event triggers without a superuser; each instance reads the catalog once a second instead';
END
$$;

-- The relation of each captured table (pg_class.oid): the same table across a rename, another one when a table of the
-- same name is created again. Instances tell a drop, a rename and a change of columns apart by it.
CREATE OR REPLACE VIEW plank.captured_tables AS
SELECT plank.table_name(n.nspname, c.relname) AS table_name,
       convert_from(split_part(encode(t.tgargs, 'escape'), '\000', 1)::bytea, 'UTF8') AS mode,
       'trigger'::text AS method,
       c.oid AS relid
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE t.tgname = 'plank_capture' AND NOT t.tgisinternal
UNION ALL
SELECT plank.table_name(n.nspname, c.relname), 'durable', 'logical', c.oid
FROM pg_publication p
JOIN pg_publication_rel r ON r.prpubid = p.oid
JOIN pg_class c ON c.oid = r.prrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE p.pubname = 'plank';
