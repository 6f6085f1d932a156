import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../dist/plank.esm.js';
import { FakeClock, fakeWebSocket, settle } from '../fakes.mjs';

/** A store in memory, as IndexedDB would keep it across page loads. */
function memoryStore() {
  const records = new Map();
  return {
    records,
    load: async (key) => structuredClone(records.get(key)),
    save: async (key, view) => void records.set(key, structuredClone(view)),
    remove: async (key) => void records.delete(key),
  };
}

const jwt = (claims) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

async function page(store, sub) {
  const ws = fakeWebSocket();
  const token = sub ? () => jwt({ sub, exp: 4_000_000_000 }) : undefined;
  const plank = connect('ws://plank.test/plank/ws', { WebSocket: ws.WebSocket, timers: new FakeClock(), network: null, token });
  const view = plank.view('orders', { persist: { name: 'orders-page', store } });
  const notes = [];
  view.on('change', (change) => notes.push(change));
  await settle();
  return { ws, plank, view, notes };
}

async function openAs(ws, sub) {
  const socket = ws.last();
  socket.open();
  if (sub) socket.frame({ type: 'authenticated', sub, exp: 4_000_000_000 });
  await settle();
  return socket;
}

const change = (sub, seq, id, data, extra = {}) => ({ type: 'change', subs: [sub], seq, tx: seq, tx_last: true, table: 'orders',
  action: 'UPDATE', id, data, ...extra });

describe('a persisted view', () => {
  it('shows the stored rows before the socket opens and resumes with since, asking for no snapshot', async () => {
    const store = memoryStore();
    const first = await page(store, 'ann');
    let socket = await openAs(first.ws, 'ann');
    const sub = first.view.subscription.id;
    assert.equal(socket.sentOf('subscribe')[0].snapshot, true, 'nothing stored: a snapshot');
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 10 });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [{ id: 1, s: 'a' }] });
    socket.frame(change(sub, 12, 2, { id: 2, s: 'b' }, { action: 'INSERT' }));
    await settle(); // messages arrive in tasks of their own
    socket.frame(change(sub, 13, 1, { id: 1, s: 'c' }, { tx: 99, tx_last: undefined }));   // a transaction still open
    await settle();
    const [key] = store.records.keys();
    assert.equal(store.records.get(key).seq, 12, 'stored where no transaction is open: the half transfer is not in it');
    assert.deepEqual(store.records.get(key).rows, [{ id: 1, s: 'a' }, { id: 2, s: 'b' }]);
    first.plank.close();

    const reloaded = await page(store, 'ann');
    assert.deepEqual(reloaded.view.rows, [{ id: 1, s: 'a' }, { id: 2, s: 'b' }], 'rows on show before the socket opens');
    assert.equal(reloaded.notes[0].cause, 'restored');
    assert.equal(await reloaded.view.ready, reloaded.view);
    socket = await openAs(reloaded.ws, 'ann');
    const [subscribe] = socket.sentOf('subscribe');
    assert.equal(subscribe.since, 12, 'resumes after the stored seq');
    assert.equal(subscribe.snapshot, undefined, 'no snapshot asked for');
    const sub2 = reloaded.view.subscription.id;
    socket.frame({ type: 'subscribed', table: 'orders', sub: sub2, seq: 20 });
    socket.frame(change(sub2, 13, 1, { id: 1, s: 'c' }, { tx: 99 }));
    await settle();
    assert.deepEqual(reloaded.view.get(1), { id: 1, s: 'c' }, 'the change made while the page was away arrives');
  });

  it('falls back to a snapshot on reset', async () => {
    const store = memoryStore();
    await store.save(JSON.stringify(['orders-page', 'anonymous', 'orders', '']), { subject: 'anonymous', seq: 5, rows: [{ id: 9 }] });
    const { ws, view, notes } = await page(store);
    const socket = await openAs(ws);
    const sub = view.subscription.id;
    assert.equal(socket.sentOf('subscribe')[0].since, 5);
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 30 });
    socket.frame({ type: 'reset', table: 'orders', sub, reason: 'gone' });
    assert.equal(socket.sentOf('subscribe')[1].snapshot, true, 'a new snapshot');
    socket.frame({ type: 'subscribed', table: 'orders', sub, seq: 31 });
    socket.frame({ type: 'snapshot', table: 'orders', sub, last: true, rows: [{ id: 1 }] });
    await settle();
    assert.deepEqual(view.rows, [{ id: 1 }]);
    assert.equal(notes.at(-1).cause, 'snapshot');
    assert.equal([...store.records.values()][0].seq, 31);
  });

  it('never shows another user’s rows', async () => {
    const store = memoryStore();
    await store.save(JSON.stringify(['orders-page', 'ann', 'orders', '']), { subject: 'ann', seq: 5, rows: [{ id: 1, secret: 'ann' }] });
    const bob = await page(store, 'bob');
    assert.equal(bob.view.size, 0, 'ann’s rows are not bob’s');
    const socket = await openAs(bob.ws, 'bob');
    assert.equal(socket.sentOf('subscribe')[0].snapshot, true);
    assert.equal(store.records.size, 1, 'ann’s are left alone');
  });

  it('drops the stored rows when the server authenticates another subject', async () => {
    const store = memoryStore();
    await store.save(JSON.stringify(['orders-page', 'ann', 'orders', '']), { subject: 'ann', seq: 5, rows: [{ id: 1 }] });
    const { ws, view } = await page(store, 'ann');
    assert.equal(view.size, 1);
    const socket = await openAs(ws, 'carl');
    await settle();
    assert.equal(view.size, 0);
    assert.equal(store.records.size, 0);
    assert.equal(socket.sentOf('subscribe').at(-1).snapshot, true);
  });
});
