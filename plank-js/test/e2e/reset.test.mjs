// The client comes back after the changes it missed were pruned from the log. Plank answers the resume with
// `reset`: a plain subscription passes it on (the application reloads) and carries on live; a view reloads
// itself from a new snapshot and equals the table again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertViewEquals, capturedTable, client, prune, recordChanges, sql, tableRows, until } from './support.mjs';

test('a reset after the missed changes were pruned', { timeout: 60_000 }, async () => {
  await capturedTable('js_reset', 'id int PRIMARY KEY, label text');
  await sql("INSERT INTO js_reset SELECT n, 'old' FROM generate_series(1, 3) n");
  const plank = client();
  try {
    const view = plank.view('js_reset');
    const sub = plank.subscribe({ table: 'js_reset' });
    const changes = recordChanges(sub);
    const resets = { view: [], sub: [] };
    view.on('reset', (reset) => resets.view.push(reset));
    sub.on('reset', (reset) => resets.sub.push(reset));
    await Promise.all([view.ready, sub.ready]);
    await sql("INSERT INTO js_reset VALUES (4, 'seen')");
    await until('row 4', () => changes.length === 1 && view.has(4));

    plank.disconnect();
    await sql("INSERT INTO js_reset VALUES (5, 'missed'), (6, 'missed')");
    await sql("UPDATE js_reset SET label = 'changed' WHERE id = 1");
    await sql('DELETE FROM js_reset WHERE id = 2');
    const [newest] = await sql('SELECT max(seq) FROM plank.change_log');
    const { pruned } = await prune(newest);
    assert.ok(pruned >= 4, `pruned the missed changes (${pruned})`);

    plank.connect();
    await until('both resets', () => resets.view.length === 1 && resets.sub.length === 1, 30_000);
    assert.equal(resets.sub[0].resnapshot, false, 'a plain subscription: the application reloads');
    assert.equal(resets.view[0].resnapshot, true, 'a view: a new snapshot follows');
    assert.match(resets.sub[0].reason, /no longer retained/);
    await until('the view reloaded', () => view.size === 5 && view.get(1).label === 'changed', 30_000, () => JSON.stringify(view.rows));
    assertViewEquals(view, await tableRows('js_reset'));
    assert.equal(changes.length, 1, 'the pruned changes are not replayed');

    await sql("INSERT INTO js_reset VALUES (7, 'live')");
    await until('the live row after the reset', () => changes.length === 2 && view.has(7));
    assertViewEquals(view, await tableRows('js_reset'));
  } finally {
    plank.close();
  }
});
