import type { Row, RowId } from './types.js';

/** How a view finds a row's key: a column, the columns of a composite key, or a function. */
export type KeySpec = string | string[] | ((row: Row) => unknown);

/**
 * One string per key value, the same whichever way the key arrives: a change frame's `id` (a number, a string,
 * or an object whose fields come in PostgreSQL's order) or the key columns read from a snapshot row.
 */
export function canonicalKey(id: unknown): string {
  return JSON.stringify(sorted(id));
}

function sorted(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(value as object).sort()) out[name] = sorted((value as Record<string, unknown>)[name]);
  return out;
}

/** The key value of `row` under `spec`, as a change frame's `id` would carry it. */
export function keyOfRow(spec: KeySpec, row: Row): RowId {
  if (typeof spec === 'function') return spec(row) as RowId;
  if (typeof spec === 'string') return row[spec] as RowId;
  const id: Record<string, unknown> = {};
  for (const column of spec) id[column] = row[column];
  return id;
}
