// The database changes under open views: a grant revoked (by SQL, as an operator's script would) and a table dropped.
// Each view is emptied and ends with the server's code, and nothing written after the change reaches it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capturedTable, client, recordChanges, sql, until } from './support.mjs';

test('a revoked grant and a dropped table end open views', { timeout: 60_000 }, async () => {
  await capturedTable('js_revoked', 'id int PRIMARY KEY, label text');
  await capturedTable('js_dropped', 'id int PRIMARY KEY, label text');
  await sql("INSERT INTO js_revoked VALUES (1, 'shown')");
  await sql("INSERT INTO js_dropped VALUES (1, 'shown')");
  const plank = client();
  try {
    const revoked = plank.view('js_revoked');
    const dropped = plank.view('js_dropped');
    const live = plank.subscribe({ table: 'js_revoked' });
    const changes = recordChanges(live);
    const ends = [];
    for (const [name, source] of [['revoked', revoked], ['dropped', dropped], ['live', live]]) {
      source.on('end', (end) => ends.push([name, end.code]));
    }
    await Promise.all([revoked.ready, dropped.ready, live.ready]);
    assert.equal(revoked.size, 1);

    // This harness opens tables without grants of their own to anyone: a grant to another role revokes it.
    await sql("INSERT INTO plank.table_grants VALUES ('js_revoked', 'read', 'auditor')");
    await sql("INSERT INTO js_revoked VALUES (2, 'after the revoke')");
    await until('both ended as forbidden', () => ends.filter(([, code]) => code === 'forbidden').length === 2, 15_000, () => JSON.stringify(ends));
    assert.equal(revoked.size, 0, 'the rows the caller may no longer read are gone');
    assert.equal(changes.length, 0, 'nothing written after the revoke arrived');

    await sql('DROP TABLE js_dropped');
    await until('the view of the dropped table ended', () => ends.some(([name, code]) => name === 'dropped' && code === 'table_dropped'),
      15_000, () => JSON.stringify(ends));
    assert.equal(dropped.size, 0);
  } finally {
    plank.close();
    await sql("DELETE FROM plank.table_grants WHERE table_name = 'js_revoked'");
  }
});
