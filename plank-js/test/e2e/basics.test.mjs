// Plank serves the library itself; a subscription resolves only on `subscribed`, a refused one rejects; a view of a
// table with a composite key loads from the snapshot and follows changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import vm from 'node:vm';
import { assertViewEquals, capturedTable, client, httpUrl, sql, tableRows, until } from './support.mjs';

test('Plank serves the browser bundle and the ES module it was built with', async () => {
  for (const name of ['plank.js', 'plank.esm.js']) {
    const response = await fetch(`${httpUrl}/${name}`);
    assert.equal(response.status, 200, name);
    assert.match(response.headers.get('content-type'), /javascript/, name);
    assert.equal(await response.text(), await readFile(new URL(`../../dist/${name}`, import.meta.url), 'utf8'), name);
  }
  const context = {};
  vm.runInNewContext(await (await fetch(`${httpUrl}/plank.js`)).text(), context);
  assert.equal(typeof context.Plank.connect, 'function', 'the classic script defines the global Plank');
});

test('subscribe resolves on subscribed and rejects what the server refuses', async () => {
  await capturedTable('js_basics', 'id int PRIMARY KEY, label text');
  const plank = client();
  try {
    const sub = plank.subscribe({ table: 'js_basics', filter: 'label=eq.keep' });
    const subscribed = await sub.ready;
    assert.equal(typeof subscribed.seq, 'number');
    assert.equal(subscribed.resumed, false);
    assert.match(plank.states.map((s) => s.state).join(), /open/);

    const seen = [];
    sub.on('change', (change) => seen.push(change));
    await sql("INSERT INTO js_basics VALUES (1, 'drop'), (2, 'keep')");
    await until('the INSERT of row 2', () => seen.length === 1);
    assert.deepEqual(seen[0].data, { id: 2, label: 'keep' });
    assert.ok(seen[0].seq > subscribed.seq);

    const refused = plank.subscribe({ table: 'js_basics', filter: 'nope=eq.1' });
    await assert.rejects(refused.ready, /invalid_filter/);
    const unknown = plank.subscribe({ table: 'js_no_such_table' });
    await assert.rejects(unknown.ready, /unknown_table/);
    assert.equal(plank.state, 'open', 'refusals leave the connection open');
  } finally {
    plank.close();
  }
});

test('a view of a table with a composite key: snapshot, then changes', async () => {
  await capturedTable('js_orders', 'region text, number int, status text, PRIMARY KEY (region, number)');
  await sql("INSERT INTO js_orders SELECT r, n, 'new' FROM unnest(array['eu','uk']) r, generate_series(1, 30) n");
  const key = ['region', 'number'];
  const byKey = (row) => ({ region: row.region, number: row.number });
  const plank = client();
  try {
    const view = plank.view('js_orders', { key, filter: 'status=eq.paid' });
    await view.ready;
    assert.equal(view.size, 0);
    await sql("UPDATE js_orders SET status = 'paid' WHERE number <= 10");
    await sql("UPDATE js_orders SET status = 'refunded' WHERE number <= 3");
    await sql("DELETE FROM js_orders WHERE number = 4 AND region = 'eu'");
    await sql("INSERT INTO js_orders VALUES ('zz', 0, 'paid')"); // written last: once it is in, everything is
    await until('the sentinel order', () => view.has({ region: 'zz', number: 0 }), 30_000, () => JSON.stringify(view.rows));
    assert.equal(view.size, 14);
    assertViewEquals(view, await tableRows('js_orders', "status = 'paid'", byKey), byKey);
    assert.equal(view.get({ number: 5, region: 'uk' }).status, 'paid');
  } finally {
    plank.close();
  }
});
