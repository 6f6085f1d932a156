-- Who may read and write which captured table, and which of its rows: the grants and row bindings an operator
-- stores through the admin API (the configured ones, plank.grants and plank.row-bindings, live in configuration and
-- are never written here). Kept apart from the capture trigger: releasing a table and capturing it again keeps them.

CREATE TABLE plank.table_grants (
    table_name text NOT NULL,
    privilege  text NOT NULL CHECK (privilege IN ('read', 'write')),
    role       text NOT NULL,
    PRIMARY KEY (table_name, privilege, role)
);

CREATE TABLE plank.row_bindings (
    table_name  text PRIMARY KEY,
    column_name text NOT NULL,
    claim       text NOT NULL
);
