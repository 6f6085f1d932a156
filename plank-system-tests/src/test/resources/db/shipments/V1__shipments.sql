-- An application's own migration, run by its own Flyway (OpenStreamsIT): a table Plank captures from SQL.
CREATE TABLE shipments (id bigint PRIMARY KEY, status text NOT NULL, legacy_code text, weight int);
SELECT plank.capture('shipments');
