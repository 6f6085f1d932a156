// Transfers between accounts, each one UPDATE of two rows (one transaction), by eight writers at once. Two views
// follow the accounts: all of them, whose balances must add up to the same total at every notification (no
// observer ever sees half a transfer), and the rich ones (a filter, so transactions end by tx_end too). Both end
// equal to the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertViewEquals, capturedTable, client, sql, tableRows, until } from './support.mjs';

const ACCOUNTS = 10;
const WRITERS = 8;
const TRANSFERS = 25;
const TOTAL = ACCOUNTS * 1_000;

test('a view never shows half a transfer', { timeout: 120_000 }, async (t) => {
  await capturedTable('js_bank', 'id int PRIMARY KEY, balance int NOT NULL');
  await sql(`INSERT INTO js_bank SELECT n, 1000 FROM generate_series(1, ${ACCOUNTS}) n`);
  const plank = client();
  try {
    const all = plank.view('js_bank');
    const rich = plank.view('js_bank', { filter: 'balance=gte.1000' });
    await Promise.all([all.ready, rich.ready]);
    const totals = [];
    all.on('change', ({ rows }) => totals.push(rows.reduce((sum, row) => sum + row.balance, 0)));
    let multiRowTransactions = 0;
    all.subscription.on('change', (change) => { if (change.tx !== undefined && !change.txLast) multiRowTransactions++; });
    // What a view applying each change as it comes would show once a message is handled: how often half a transfer.
    const naive = new Map(all.rows.map((row) => [row.id, row.balance]));
    let halfShownByNaiveView = 0;
    all.subscription.on('change', (change) => {
      naive.set(change.id, change.data.balance);
      queueMicrotask(() => {
        const total = [...naive.values()].reduce((a, b) => a + b, 0);
        if (total !== TOTAL && total !== TOTAL + 5_000) halfShownByNaiveView++;
      });
    });

    const random = (n) => Math.floor(Math.random() * n);
    const transfer = async () => {
      for (let i = 0; i < TRANSFERS; i++) {
        const from = 1 + random(ACCOUNTS);
        const to = 1 + ((from + random(ACCOUNTS - 1)) % ACCOUNTS);
        const amount = 1 + random(300);
        for (let attempt = 1; ; attempt++) {
          try {
            await sql('UPDATE js_bank SET balance = balance + CASE WHEN id = ? THEN ? ELSE ? END WHERE id IN (?, ?)',
              from, -amount, amount, from, to);
            break;
          } catch (error) {
            // Two transfers locking the same two rows in opposite orders: PostgreSQL rolls one back; it goes again.
            if (attempt === 5 || !/deadlock/.test(error.message)) throw error;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, transfer));

    await sql('INSERT INTO js_bank VALUES (0, 5000), (-1, 0)'); // a sentinel transaction, seen by both views
    await until('the sentinel in both views', () => all.has(-1) && rich.has(0), 60_000);
    assertViewEquals(all, await tableRows('js_bank'));
    assertViewEquals(rich, await tableRows('js_bank', 'balance >= 1000'));
    assert.ok(multiRowTransactions >= WRITERS * TRANSFERS, `the transfers came as transactions of two (${multiRowTransactions})`);
    // Every notification shows whole transfers (the sentinel's rows add 5,000 at the end).
    assert.deepEqual(totals.filter((total) => total !== TOTAL && total !== TOTAL + 5_000), [], `${totals.length} notifications`);
    assert.equal(totals.at(-1), TOTAL + 5_000);
    t.diagnostic(`${totals.length} notifications; a view applying changes one by one would have shown half a transfer ${halfShownByNaiveView} times`);
  } finally {
    plank.close();
  }
});
