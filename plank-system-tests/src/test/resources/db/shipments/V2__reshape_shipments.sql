-- A deploy's migration while writers write and clients stream: a column dropped, one added, one retyped.
ALTER TABLE shipments DROP COLUMN legacy_code;
ALTER TABLE shipments ADD COLUMN carrier text;
ALTER TABLE shipments ALTER COLUMN weight TYPE bigint;
