import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../dist/plank.esm.js';
import { FakeClock, fakeWebSocket, settle } from '../fakes.mjs';

async function setup(key) {
  const clock = new FakeClock();
  const ws = fakeWebSocket();
  const plank = connect('ws://plank.test/plank/ws', { WebSocket: ws.WebSocket, timers: clock, network: null });
  await settle();
  ws.last().open();
  const view = plank.view('orders', key ? { key } : {});
  const sub = view.subscription.id;
  const notes = [];
  view.on('change', (change) => notes.push(change));
  return { clock, ws, view, sub, notes };
}

const frame = (sub, seq, action, id, data, extra = {}) => ({ type: 'change', subs: [sub], seq, table: 'orders', action, id, data, ...extra });

describe('a live view', () => {
  it('loads the snapshot, then applies changes, leaves and enters, once per message', async () => {
    const { ws, view, sub, notes } = await setup();
    const socket = ws.last();
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 10 });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: false, rows: [{ id: 1, s: 'a' }] });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [{ id: 2, s: 'b' }] });
    assert.equal(await view.ready, view);
    assert.deepEqual(view.rows, [{ id: 1, s: 'a' }, { id: 2, s: 'b' }]);
    assert.equal(notes.length, 1);
    assert.equal(notes[0].cause, 'snapshot');
    socket.frame([
      frame(sub, 11, 'UPDATE', 1, { id: 1, s: 'c' }),
      frame(sub, 12, 'UPDATE', 2, { id: 2, s: 'x' }, { leave: true }),
      frame(sub, 13, 'UPDATE', 3, { id: 3, s: 'y' }, { enter: true }),
      frame(sub, 14, 'INSERT', 4, { id: 4, s: 'z' }),
      frame(sub, 15, 'DELETE', 4, { id: 4, s: 'z' }),
    ]);
    await settle();
    assert.deepEqual(view.rows, [{ id: 1, s: 'c' }, { id: 3, s: 'y' }]);
    assert.equal(notes.length, 2, 'one notification for the batch');
    assert.equal(notes[1].changes.length, 5);
    assert.deepEqual(view.get(3), { id: 3, s: 'y' });
  });

  it('keys composite keys the same from snapshot rows and from change ids', async () => {
    const { ws, view, sub } = await setup(['region', 'number']);
    const socket = ws.last();
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 1 });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [{ region: 'eu', number: 1, s: 'a' }] });
    socket.frame(frame(sub, 2, 'UPDATE', { number: 1, region: 'eu' }, { region: 'eu', number: 1, s: 'b' }));
    await settle();
    assert.equal(view.size, 1);
    assert.deepEqual(view.get({ region: 'eu', number: 1 }), { region: 'eu', number: 1, s: 'b' });
  });

  it('reloads from a new snapshot after a reset, replacing the rows in one step', async () => {
    const { ws, view, sub, notes } = await setup();
    const socket = ws.last();
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 1 });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [{ id: 1 }, { id: 2 }] });
    await settle();
    socket.frame({ type: 'reset', table: 'orders', sub, reason: 'no longer retained' });
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 40 });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: false, rows: [{ id: 2 }] });
    await settle();
    assert.equal(view.size, 2, 'the old rows until the new snapshot is complete');
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [{ id: 5 }] });
    await settle();
    assert.deepEqual(view.rows, [{ id: 2 }, { id: 5 }]);
    assert.equal(notes.at(-1).cause, 'snapshot');
  });

  it('reports a key that does not match the change ids', async () => {
    const { ws, view, sub } = await setup();
    const errors = [];
    view.on('error', (error) => errors.push(error.code));
    const socket = ws.last();
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 1 });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [] });
    socket.frame(frame(sub, 2, 'INSERT', { region: 'eu', number: 1 }, { region: 'eu', number: 1 }));
    assert.deepEqual(errors, ['key_mismatch']);
  });

  it('applies a transaction whole: no observer sees half a transfer', async () => {
    const { ws, view, sub, notes } = await setup();
    const socket = ws.last();
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 10 });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [{ id: 1, b: 100 }, { id: 2, b: 0 }, { id: 3, b: 5 }] });
    await settle();
    const sums = [];
    view.on('change', ({ rows }) => sums.push(rows.reduce((sum, row) => sum + row.b, 0)));
    const seen = [];
    view.subscription.on('change', (change) => seen.push(change.seq));

    socket.frame(frame(sub, 11, 'UPDATE', 1, { id: 1, b: 40 }, { tx: 900 })); // the debit, in a message of its own
    await settle();
    assert.deepEqual(view.get(1), { id: 1, b: 100 }, 'held until the transaction ends');
    socket.frame(frame(sub, 12, 'UPDATE', 3, { id: 3, b: 6 }, { tx: 901, tx_last: true })); // another, interleaved
    await settle();
    assert.deepEqual(view.get(3), { id: 3, b: 6 }, 'a whole transaction is applied at once');
    assert.deepEqual(view.get(1), { id: 1, b: 100 });
    socket.frame(frame(sub, 13, 'UPDATE', 2, { id: 2, b: 60 }, { tx: 900, tx_last: true })); // the credit
    await settle();
    assert.deepEqual(view.rows, [{ id: 1, b: 40 }, { id: 2, b: 60 }, { id: 3, b: 6 }]);
    assert.deepEqual(sums, [106, 106], 'every notification shows whole transfers');
    assert.deepEqual(notes.at(-1).changes.map((change) => change.seq), [11, 13], 'the transaction in one notification');
    assert.deepEqual(seen, [11, 12, 13], 'the subscription still hears each change as it comes');
  });

  it('ends a transaction on tx_end when the filter dropped its last change', async () => {
    const { ws, view, sub } = await setup();
    const socket = ws.last();
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 10 });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [{ id: 1, s: 'paid' }] });
    socket.frame(frame(sub, 11, 'UPDATE', 1, { id: 1, s: 'open' }, { tx: 7, leave: true }));
    socket.frame(frame(sub, 12, 'INSERT', 2, { id: 2, s: 'paid' }, { tx: 7 }));
    await settle();
    assert.deepEqual(view.rows, [{ id: 1, s: 'paid' }]);
    socket.frame({ type: 'tx_end', table: 'orders', sub, tx: 8 }); // of a transaction the view has nothing of
    socket.frame({ type: 'tx_end', table: 'orders', sub, tx: 7 });
    await settle();
    assert.deepEqual(view.rows, [{ id: 2, s: 'paid' }]);
  });

  it('keeps a transaction begun before a disconnect and completes it from the resume', async () => {
    const { ws, clock, view, sub } = await setup();
    let socket = ws.last();
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 10 });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [{ id: 1, b: 10 }, { id: 2, b: 0 }] });
    socket.frame(frame(sub, 11, 'UPDATE', 1, { id: 1, b: 0 }, { tx: 5 }));
    socket.serverClose(1006);
    clock.advance(clock.nextDelay());
    await settle();
    socket = ws.last();
    socket.open();
    assert.equal(socket.sentOf('subscribe')[0].since, 11);
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 20 });
    await settle();
    assert.deepEqual(view.get(1), { id: 1, b: 10 });
    socket.frame(frame(sub, 12, 'UPDATE', 2, { id: 2, b: 10 }, { tx: 5, tx_last: true }));
    await settle();
    assert.deepEqual(view.rows, [{ id: 1, b: 0 }, { id: 2, b: 10 }]);
  });

  it('drops held changes on a reset: the new snapshot has their transaction', async () => {
    const { ws, view, sub } = await setup();
    const socket = ws.last();
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 1 });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [{ id: 1, b: 10 }] });
    socket.frame(frame(sub, 2, 'UPDATE', 1, { id: 1, b: 0 }, { tx: 5 }));
    socket.frame({ type: 'reset', table: 'orders', sub, reason: 'no longer retained' });
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 40 });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [{ id: 1, b: 0 }, { id: 2, b: 10 }] });
    socket.frame({ type: 'tx_end', table: 'orders', sub, tx: 5 });
    await settle();
    assert.deepEqual(view.rows, [{ id: 1, b: 0 }, { id: 2, b: 10 }]);
  });

  it('empties on a TRUNCATE, whatever its filter, and carries on with the rows that come after', async () => {
    const { ws, view, sub, notes } = await setup();
    const socket = ws.last();
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 10 });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [{ id: 1 }, { id: 2 }] });
    await settle();
    socket.frame([
      frame(sub, 11, 'INSERT', 3, { id: 3 }),
      frame(sub, 12, 'TRUNCATE', null, null, { tx: 60, tx_last: true }),
    ]);
    await settle();
    assert.deepEqual(view.rows, []);
    assert.equal(notes.at(-1).cause, 'changes');
    assert.deepEqual(notes.at(-1).changes.map((change) => change.action), ['INSERT', 'TRUNCATE']);
    socket.frame(frame(sub, 13, 'INSERT', 4, { id: 4 }));
    await settle();
    assert.deepEqual(view.rows, [{ id: 4 }]);
  });

  it('applies a TRUNCATE in its transaction: the rows written after it in the same transaction stay', async () => {
    const { ws, view, sub } = await setup();
    const errors = [];
    view.on('error', (error) => errors.push(error.code));
    const socket = ws.last();
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 10 });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [{ id: 1 }] });
    socket.frame(frame(sub, 11, 'TRUNCATE', null, null, { tx: 61 }));
    await settle();
    assert.deepEqual(view.rows, [{ id: 1 }], 'held until the transaction ends, like any change');
    socket.frame(frame(sub, 12, 'INSERT', 5, { id: 5 }, { tx: 61, tx_last: true }));
    await settle();
    assert.deepEqual(view.rows, [{ id: 5 }]);
    assert.deepEqual(errors, [], 'no key to check on a TRUNCATE');
  });

  it('rejects ready when the snapshot is refused', async () => {
    const { ws, view, sub } = await setup();
    ws.last().frame({ type: 'error', code: 'snapshot_too_large', message: 'narrow the filter', table: 'orders', sub });
    await assert.rejects(view.ready, /snapshot_too_large/);
  });
});

describe('a live view whose subscription the server ends', () => {
  for (const [code, emptied] of [['forbidden', true], ['access_changed', true], ['table_dropped', true], ['invalid_filter', false], ['table_renamed', false]]) {
    it(`${emptied ? 'empties' : 'keeps'} its rows on ${code}, and says why`, async () => {
      const { ws, view, sub, notes } = await setup();
      const ends = [];
      view.on('end', (end) => ends.push(end));
      const socket = ws.last();
      socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 1 });
      socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [{ id: 1 }, { id: 2 }] });
      await settle();
      socket.frame({ type: 'unsubscribed', table: 'orders', sub, code, reason: 'the database changed' });
      await settle();
      assert.deepEqual(ends.map((end) => [end.code, end.reason]), [[code, 'the database changed']]);
      assert.equal(view.size, emptied ? 0 : 2);
      if (emptied) assert.equal(notes.at(-1).cause, 'ended');
    });
  }
});
