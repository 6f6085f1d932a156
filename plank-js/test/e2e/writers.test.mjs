// Twenty writers insert, update and delete rows of a table with a composite key at the same time, on connections
// of their own. Three views follow it: all rows, rows passing a filter (rows leave and enter it), and one opened
// while the writers are busy (its snapshot seam under load). Each ends equal to the table.
import { test } from 'node:test';
import { assertViewEquals, capturedTable, client, sql, tableRows, until } from './support.mjs';

const WRITERS = 20;
const OPERATIONS = 25;
const key = ['region', 'n'];
const byKey = (row) => ({ region: row.region, n: row.n });

test(`a view equals the table after ${WRITERS} concurrent writers`, { timeout: 180_000 }, async () => {
  await capturedTable('js_accounts', 'region text, n int, balance int NOT NULL, note text, PRIMARY KEY (region, n)');
  await sql("INSERT INTO js_accounts SELECT r, n, (n * 7) % 100, 'seed' FROM unnest(array['eu','us','ap']) r, generate_series(1, 20) n");
  const plank = client();
  try {
    const all = plank.view('js_accounts', { key });
    const rich = plank.view('js_accounts', { key, filter: 'balance=gte.50' });
    await Promise.all([all.ready, rich.ready]);

    let done = 0;
    let late;
    const random = (n) => Math.floor(Math.random() * n);
    const region = () => ['eu', 'us', 'ap'][random(3)];
    const writer = async (w) => {
      for (let i = 0; i < OPERATIONS; i++) {
        const pick = random(4);
        if (pick === 0) {
          await sql('INSERT INTO js_accounts VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', region(), 1 + random(30), random(100), `w${w}`);
        } else if (pick === 1) {
          await sql('DELETE FROM js_accounts WHERE region = ? AND n = ?', region(), 1 + random(30));
        } else {
          await sql('UPDATE js_accounts SET balance = ?, note = ? WHERE region = ? AND n = ?', random(100), `w${w}-${i}`, region(), 1 + random(30));
        }
        if (++done === (WRITERS * OPERATIONS) / 2) late = plank.view('js_accounts', { key, filter: 'balance=lt.50' });
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    await late.ready;

    await sql("INSERT INTO js_accounts VALUES ('zz', 1, 75, 'sentinel'), ('zz', 2, 25, 'sentinel')");
    await until('the sentinels in every view', () => all.has({ region: 'zz', n: 2 }) && rich.has({ region: 'zz', n: 1 })
      && late.has({ region: 'zz', n: 2 }), 60_000);
    assertViewEquals(all, await tableRows('js_accounts', 'true', byKey), byKey);
    assertViewEquals(rich, await tableRows('js_accounts', 'balance >= 50', byKey), byKey);
    assertViewEquals(late, await tableRows('js_accounts', 'balance < 50', byKey), byKey);
  } finally {
    plank.close();
  }
});
