-- Transactions as units: each logged change records the transaction that wrote it, so that clients can apply a
-- transaction's changes together (a transfer between two accounts is never seen half done).
--
-- tx is PostgreSQL's 64-bit transaction id of the writer's top-level transaction (pg_current_xact_id(), also inside
-- savepoints), filled in by the column's default as the capture trigger inserts the row; the trigger itself is
-- unchanged. Rows logged before this migration keep tx null: they stand alone. The default is set after the column
-- is added, so that existing rows are not all given this migration's own transaction id.
--
-- Which change is a transaction's last is not written here: a writer cannot know its last change before it commits.
-- It is read with the rows (ChangeLogRows): once a transaction's rows are visible they all are, so a row is the
-- last of its transaction to its table when no row with the same tx and table follows it. Rows of concurrent
-- transactions interleave in seq order, so "the next row belongs to another transaction" would not do. The index
-- answers that question, and where the transaction's changes to the table began, with one probe each.

ALTER TABLE plank.change_log ADD COLUMN tx bigint;
ALTER TABLE plank.change_log ALTER COLUMN tx SET DEFAULT pg_current_xact_id()::text::bigint;

CREATE INDEX change_log_by_tx ON plank.change_log (tx, table_name, seq);
