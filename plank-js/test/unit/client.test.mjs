import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../dist/plank.esm.js';
import { FakeClock, fakeWebSocket, settle } from '../fakes.mjs';

function setup(options = {}) {
  const clock = new FakeClock();
  const ws = fakeWebSocket();
  const plank = connect('ws://plank.test/plank/ws', { WebSocket: ws.WebSocket, timers: clock, random: () => 0.5, network: null, ...options });
  return { clock, ws, plank };
}

/** Answers the subscribe the client sent last on `socket`. */
function answer(socket, seq) {
  const request = socket.sentOf('subscribe').at(-1);
  socket.frame({ type: 'subscribed', table: request.table, sub: request.sub, ...(seq === undefined ? {} : { seq }) });
  return request;
}

const change = (sub, seq, id, extra = {}) => ({ type: 'change', subs: [sub], seq, table: 'items', action: 'INSERT', id, data: { id, v: seq }, ...extra });

describe('connecting and subscribing', () => {
  it('asks for batches, and resolves a subscription only when the server answered subscribed', async () => {
    const { ws, plank } = setup();
    await settle();
    const socket = ws.last();
    assert.equal(new URL(socket.url).searchParams.get('batch'), 'true');
    socket.open();
    const sub = plank.subscribe({ table: 'items', filter: 'value=gt.1' });
    let resolved = false;
    sub.ready.then(() => (resolved = true));
    await settle();
    assert.equal(resolved, false, 'not before the answer');
    const request = socket.sentOf('subscribe')[0];
    assert.deepEqual(request, { type: 'subscribe', table: 'items', sub: sub.id, filter: 'value=gt.1', tx_end: true });
    answer(socket, 7);
    assert.equal((await sub.ready).seq, 7);
    assert.equal(sub.lastSeq, 7);
  });

  it('takes single frames and arrays of frames alike', async () => {
    const { ws, plank } = setup();
    await settle();
    const socket = ws.last();
    socket.open();
    const sub = plank.subscribe({ table: 'items' });
    answer(socket, 1);
    const seen = [];
    sub.on('change', (event) => seen.push(event.seq));
    socket.frame(change(sub.id, 2, 1));
    socket.frame([change(sub.id, 3, 2), change(sub.id, 4, 3)]);
    assert.deepEqual(seen, [2, 3, 4]);
  });

  it('rejects a refused subscription and retries one refused for now', async () => {
    const { ws, plank, clock } = setup();
    await settle();
    const socket = ws.last();
    socket.open();
    const bad = plank.subscribe({ table: 'items', filter: 'nope=eq.1' });
    socket.frame({ type: 'error', code: 'invalid_filter', message: 'unknown column', table: 'items', sub: bad.id });
    await assert.rejects(bad.ready, /invalid_filter/);
    assert.equal(bad.active, false);

    const later = plank.subscribe({ table: 'items' });
    const errors = [];
    later.on('error', (error) => errors.push(error));
    socket.frame({ type: 'error', code: 'unavailable', message: 'database away', sub: later.id });
    assert.equal(errors[0].retrying, true);
    clock.advance(1_000);
    assert.equal(socket.sentOf('subscribe').filter((m) => m.sub === later.id).length, 2, 'asked again');
    answer(socket, 5);
    assert.equal((await later.ready).seq, 5);
  });
});

describe('resuming', () => {
  it('passes on each change with its transaction, and the end of one whose last change the filter dropped', async () => {
    const { ws, plank } = setup();
    await settle();
    const socket = ws.last();
    socket.open();
    const sub = plank.subscribe({ table: 'items', filter: 'value=gte.10' });
    answer(socket, 10);
    const seen = [];
    for (const type of ['change', 'txEnd']) sub.on(type, (event) => seen.push([event.type, event.tx, event.txLast]));
    socket.frame({ ...change(sub.id, 11, 1), tx: 70 });
    socket.frame({ ...change(sub.id, 12, 2), tx: 71, tx_last: true });
    socket.frame({ type: 'tx_end', table: 'items', sub: sub.id, tx: 70 });
    socket.frame(change(sub.id, 13, 3)); // from a server or table without transactions
    assert.deepEqual(seen, [['change', 70, false], ['change', 71, true], ['txEnd', 70, undefined], ['change', undefined, true]]);
  });

  it('resumes with since after a drop and drops what it already delivered', async () => {
    const { ws, plank, clock } = setup();
    await settle();
    let socket = ws.last();
    socket.open();
    const sub = plank.subscribe({ table: 'items' });
    answer(socket, 10);
    const seen = [];
    sub.on('change', (event) => seen.push(event.seq));
    socket.frame(change(sub.id, 11, 1));
    socket.frame(change(sub.id, 12, 2));
    socket.serverClose(1006);
    assert.equal(plank.state, 'reconnecting');
    clock.advance(clock.nextDelay());
    await settle();
    socket = ws.last();
    assert.equal(ws.sockets.length, 2);
    socket.open();
    assert.equal(socket.sentOf('subscribe')[0].since, 12);
    answer(socket, 20);
    socket.frame(change(sub.id, 12, 2)); // a repeat
    socket.frame(change(sub.id, 13, 3));
    assert.deepEqual(seen, [11, 12, 13]);
  });

  it('turns a reset into an event and carries on from the server\'s seq', async () => {
    const { ws, plank, clock } = setup();
    await settle();
    let socket = ws.last();
    socket.open();
    const sub = plank.subscribe({ table: 'items', since: 3 });
    assert.equal(ws.last().sentOf('subscribe')[0].since, 3);
    answer(socket, 50);
    const resets = [];
    sub.on('reset', (event) => resets.push(event));
    socket.frame({ type: 'reset', table: 'items', sub: sub.id, reason: 'Changes after seq 3 are no longer retained' });
    assert.equal(resets.length, 1);
    assert.equal(resets[0].resnapshot, false);
    assert.equal(sub.lastSeq, 50);
    socket.serverClose(1001);
    clock.advance(clock.nextDelay());
    await settle();
    socket = ws.last();
    socket.open();
    assert.equal(socket.sentOf('subscribe')[0].since, 50);
  });

  it('asks for a new snapshot when one was cut short, and resumes after a complete one from its seq', async () => {
    const { ws, plank, clock } = setup();
    await settle();
    let socket = ws.last();
    socket.open();
    const sub = plank.subscribe({ table: 'items', snapshot: true });
    const events = [];
    for (const type of ['snapshot', 'reset']) sub.on(type, (event) => events.push(type));
    answer(socket, 30);
    socket.frame({ type: 'snapshot', table: 'items', sub: sub.id, last: false, rows: [{ id: 1 }] });
    socket.serverClose(1006);
    clock.advance(clock.nextDelay());
    await settle();
    socket = ws.last();
    socket.open();
    assert.equal(socket.sentOf('subscribe')[0].snapshot, true, 'a new snapshot');
    assert.equal(socket.sentOf('subscribe')[0].since, undefined);
    answer(socket, 31);
    socket.frame({ type: 'snapshot', table: 'items', sub: sub.id, last: true, rows: [{ id: 1 }] });
    assert.deepEqual(events, ['snapshot', 'reset', 'snapshot']);
    socket.serverClose(1006);
    clock.advance(clock.nextDelay());
    await settle();
    ws.last().open();
    assert.equal(ws.last().sentOf('subscribe')[0].since, 31);
  });

  it('resubscribes a snapshot subscription after a reset, ignoring the replaced subscription\'s frames', async () => {
    const { ws, plank } = setup();
    await settle();
    const socket = ws.last();
    socket.open();
    const sub = plank.subscribe({ table: 'items', snapshot: true });
    answer(socket, 1);
    socket.frame({ type: 'snapshot', table: 'items', sub: sub.id, last: true, rows: [] });
    socket.frame({ type: 'reset', table: 'items', sub: sub.id, reason: 'gone' });
    assert.equal(socket.sentOf('subscribe').length, 2);
    assert.equal(socket.sentOf('subscribe')[1].snapshot, true);
    const seen = [];
    sub.on('change', (event) => seen.push(event.seq));
    socket.frame(change(sub.id, 5, 1)); // the old subscription's, in flight
    answer(socket, 6);
    socket.frame({ type: 'snapshot', table: 'items', sub: sub.id, last: true, rows: [] });
    socket.frame(change(sub.id, 7, 1));
    assert.deepEqual(seen, [7]);
  });
});

describe('reconnecting', () => {
  it('backs off exponentially with jitter and starts over once the server answers', async () => {
    const { ws, clock } = setup({ random: () => 0 });
    await settle();
    const delays = [];
    for (let i = 0; i < 5; i++) {
      ws.last().serverClose(1006);
      delays.push(clock.nextDelay());
      clock.advance(clock.nextDelay());
      await settle();
    }
    assert.deepEqual(delays, [250, 500, 1000, 2000, 4000], 'the lower end of [d/2, d], d = 500 * 2^n');
    ws.last().open();
    ws.last().frame({ type: 'pong' });
    ws.last().serverClose(1006);
    assert.equal(clock.nextDelay(), 250);
  });

  it('waits at least retryLaterMs after 1013 and does not reconnect after a fatal close code', async () => {
    const { ws, plank, clock } = setup();
    await settle();
    ws.last().open();
    ws.last().serverClose(1013);
    assert.ok(clock.nextDelay() >= 5_000);
    clock.advance(clock.nextDelay());
    await settle();
    const sub = plank.subscribe({ table: 'items' });
    ws.last().open();
    ws.last().serverClose(1009, 'message too big');
    assert.equal(plank.state, 'failed');
    await assert.rejects(sub.ready);
    clock.advance(120_000);
    await settle();
    assert.equal(ws.sockets.length, 2, 'no further attempt');
  });

  it('pings a quiet connection and replaces one that does not answer', async () => {
    const { ws, plank, clock } = setup({ pingIntervalMs: 1_000, pongTimeoutMs: 500 });
    await settle();
    const first = ws.last();
    first.open();
    clock.advance(1_000);
    assert.equal(first.sentOf('ping').length, 1);
    first.frame({ type: 'pong' });
    clock.advance(1_000);
    assert.equal(first.sentOf('ping').length, 2);
    clock.advance(500);
    assert.equal(first.terminated, true, 'the silent connection is ended');
    assert.equal(plank.state, 'reconnecting');
    clock.advance(clock.nextDelay());
    await settle();
    assert.equal(ws.sockets.length, 2);
  });

  it('drops the connection when the network goes offline and reconnects at once when it is back', async () => {
    const network = new EventTarget();
    const { ws, plank, clock } = setup({ network });
    await settle();
    ws.last().open();
    network.dispatchEvent(new Event('offline'));
    assert.equal(plank.state, 'reconnecting');
    clock.advance(60_000);
    await settle();
    assert.equal(ws.sockets.length, 1, 'no attempt while offline');
    network.dispatchEvent(new Event('online'));
    await settle();
    assert.equal(ws.sockets.length, 2);
  });

  it('calls token() for every connection and reconnects before the token expires', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const ws = fakeWebSocket();
    const token = async () => ({ token: `t${++calls}`, expiresAt: clock.now() + 120_000 });
    connect('ws://plank.test/plank/ws', { WebSocket: ws.WebSocket, timers: clock, network: null, token, pingIntervalMs: 600_000 });
    await settle();
    assert.equal(new URL(ws.last().url).searchParams.get('access_token'), 't1');
    ws.last().open();
    clock.advance(90_000);
    await settle();
    assert.equal(ws.sockets.length, 2);
    assert.equal(ws.sockets[0].closedWith.code, 1000);
    assert.equal(new URL(ws.last().url).searchParams.get('access_token'), 't2');
  });

  it('disconnect() stays away and connect() resumes', async () => {
    const { ws, plank, clock } = setup();
    await settle();
    ws.last().open();
    const sub = plank.subscribe({ table: 'items' });
    answer(ws.last(), 4);
    plank.disconnect();
    assert.equal(plank.state, 'closed');
    clock.advance(60_000);
    await settle();
    assert.equal(ws.sockets.length, 1);
    plank.connect();
    await settle();
    ws.last().open();
    assert.equal(ws.last().sentOf('subscribe')[0].since, 4);
    assert.equal(sub.active, true);
  });
});

describe('async iteration', () => {
  it('yields the events in order and ends with the subscription', async () => {
    const { ws, plank } = setup();
    await settle();
    ws.last().open();
    const sub = plank.subscribe({ table: 'items' });
    const iterator = sub[Symbol.asyncIterator]();
    answer(ws.last(), 1);
    ws.last().frame(change(sub.id, 2, 1));
    ws.last().frame(change(sub.id, 3, 1, { action: 'UPDATE', leave: true }));
    sub.unsubscribe();
    const types = [];
    for await (const event of iterator) types.push(event.type);
    assert.deepEqual(types, ['subscribed', 'change', 'leave', 'end']);
    assert.equal(ws.last().sentOf('unsubscribe')[0].sub, sub.id);
  });
});
