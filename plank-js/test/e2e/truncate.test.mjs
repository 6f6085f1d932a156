// TRUNCATE under open streams: a live view (filtered) empties and then follows the rows written after it; a
// subscription that was away gets the TRUNCATE in its resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertViewEquals, capturedTable, client, sql, tableRows, until } from './support.mjs';

test('a view empties on TRUNCATE and carries on with the rows written after it', async () => {
  await capturedTable('js_truncate', 'id int PRIMARY KEY, status text');
  await sql("INSERT INTO js_truncate SELECT n, CASE WHEN n % 2 = 0 THEN 'paid' ELSE 'open' END FROM generate_series(1, 20) n");
  const plank = client();
  try {
    const view = plank.view('js_truncate', { filter: 'status=eq.paid' });
    const all = plank.view('js_truncate');
    await Promise.all([view.ready, all.ready]);
    assert.equal(view.size, 10);
    const causes = [];
    view.on('change', ({ changes }) => causes.push(...changes.map((change) => change.action)));

    await sql('TRUNCATE js_truncate');
    await until('both views empty', () => view.size === 0 && all.size === 0);
    assert.ok(causes.includes('TRUNCATE'), `the view told its listeners: ${causes}`);

    await sql("INSERT INTO js_truncate VALUES (100, 'paid'), (101, 'open')");
    await until('the rows after the TRUNCATE', () => all.size === 2 && view.size === 1);
    assertViewEquals(view, await tableRows('js_truncate', "status = 'paid'"));
    assertViewEquals(all, await tableRows('js_truncate'));
  } finally {
    plank.close();
  }
});
