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

  it('passes a TRUNCATE on as a change without id or row, and resumes after its seq', async () => {
    const { ws, plank, clock } = setup();
    await settle();
    let socket = ws.last();
    socket.open();
    const sub = plank.subscribe({ table: 'items', filter: 'value=gte.10' });
    answer(socket, 10);
    const seen = [];
    sub.on('change', (event) => seen.push([event.action, event.id, event.data, event.seq, event.truncated]));
    socket.frame({ type: 'change', subs: [sub.id], seq: 11, table: 'items', action: 'TRUNCATE', id: null, data: null });
    assert.deepEqual(seen, [['TRUNCATE', null, null, 11, false]]);
    socket.serverClose(1006);
    clock.advance(clock.nextDelay());
    await settle();
    socket = ws.last();
    socket.open();
    assert.equal(socket.sentOf('subscribe')[0].since, 11);
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

  it('waits at least retryLaterMs after 4429 (too many) and keeps trying', async () => {
    const { ws, plank, clock } = setup();
    await settle();
    ws.last().open();
    ws.last().serverClose(4429, 'Too many connections from this address');
    assert.equal(plank.state, 'reconnecting');
    assert.ok(clock.nextDelay() >= 5_000, `waited ${clock.nextDelay()} ms`);
    clock.advance(clock.nextDelay());
    await settle();
    assert.equal(ws.sockets.length, 2);
  });

  it('spreads a crowd closed with 1013 at once over [retryLaterMs, 1.5 retryLaterMs], not all at retryLaterMs', async () => {
    const delays = [];
    for (const r of [0, 0.5, 1]) {
      const { ws, clock } = setup({ random: () => r });
      await settle();
      ws.last().open();
      ws.last().serverClose(1013, 'Too slow: send queue full');
      delays.push(clock.nextDelay());
    }
    assert.deepEqual(delays, [5_000, 6_250, 7_500]);
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

/** An unsigned JWT-shaped token expiring at `exp` (seconds): the client reads exp, the server would verify it. */
function jwt(exp, sub = 'alice') {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub, exp, groups: ['reader'] })}.c2lnbmF0dXJl`;
}

function tokenSetup(token, options = {}) {
  const clock = new FakeClock();
  const ws = fakeWebSocket();
  const calls = [];
  const source = async () => {
    calls.push(clock.now());
    return token(calls.length, clock);
  };
  const plank = connect('ws://plank.test/plank/ws', {
    WebSocket: ws.WebSocket, timers: clock, random: () => 0.5, network: null, pingIntervalMs: 600_000, token: source, ...options,
  });
  return { clock, ws, plank, calls };
}

const authenticated = (socket, exp, sub = 'alice') => socket.frame({ type: 'authenticated', sub, exp });

describe('tokens', () => {
  it('sends the token as the first message, never in the URL, and subscribes only once authenticated', async () => {
    const { ws, plank, clock } = tokenSetup((n, clock) => ({ token: `t${n}`, expiresAt: clock.now() + 3_600_000 }));
    const sub = plank.subscribe({ table: 'items' });
    await settle();
    const socket = ws.last();
    const url = new URL(socket.url);
    assert.deepEqual([...url.searchParams.keys()], ['batch'], 'no token in the URL');
    socket.open();
    assert.deepEqual(socket.sent, [{ type: 'auth', token: 't1' }]);
    assert.equal(plank.state, 'connecting', 'not open before the server accepted the token');
    const late = plank.subscribe({ table: 'orders' });
    assert.equal(socket.sentOf('subscribe').length, 0, 'nothing before authenticated');
    authenticated(socket, clock.now() / 1000 + 3600);
    assert.equal(plank.state, 'open');
    assert.deepEqual(socket.sentOf('subscribe').map((m) => m.sub), [sub.id, late.id]);
    assert.equal(socket.sent[0].type, 'auth');
  });

  it('connects anonymously when the token source gives nothing', async () => {
    const { ws, plank } = tokenSetup(() => null);
    plank.subscribe({ table: 'items' });
    await settle();
    ws.last().open();
    assert.equal(plank.state, 'open');
    assert.deepEqual(ws.last().sent.map((m) => m.type), ['subscribe']);
  });

  it('refreshes in-band tokenRefreshMarginMs before the grant expires, on the same connection', async () => {
    const { ws, plank, clock, calls } = tokenSetup((n, clock) => ({ token: `t${n}`, expiresAt: new Date(clock.now() + 120_000) }), {
      tokenRefreshMarginMs: 20_000,
    });
    await settle();
    const socket = ws.last();
    socket.open();
    authenticated(socket, 0); // the grant's expiresAt wins over the server's exp
    const sub = plank.subscribe({ table: 'items' });
    answer(socket, 5);
    clock.advance(99_999);
    await settle();
    assert.equal(calls.length, 1, 'not yet');
    clock.advance(1);
    await settle();
    assert.equal(calls.length, 2);
    assert.deepEqual(socket.sentOf('auth').map((m) => m.token), ['t1', 't2']);
    assert.equal(ws.sockets.length, 1, 'no reconnect');
    assert.equal(socket.closedWith, null);
    authenticated(socket, 0);
    clock.advance(99_999);
    await settle();
    assert.equal(calls.length, 2, 'the next refresh counts from the new token');
    clock.advance(1);
    await settle();
    assert.deepEqual(socket.sentOf('auth').map((m) => m.token), ['t1', 't2', 't3']);
    assert.equal(sub.active, true);
    assert.equal(socket.sentOf('subscribe').length, 1, 'subscriptions untouched by a refresh');
  });

  it('reads the expiry of a JWT from its payload, else takes the server\'s exp', async () => {
    const { ws, clock, calls } = tokenSetup((n, clock) => jwt(Math.floor(clock.now() / 1000) + 600));
    await settle();
    ws.last().open();
    authenticated(ws.last(), Math.floor(clock.now() / 1000) + 60); // ignored: the token says 600 s
    clock.advance(570_000 - 1);
    await settle();
    assert.equal(calls.length, 1);
    clock.advance(1);
    await settle();
    assert.equal(ws.last().sentOf('auth').length, 2, '30 s (the default margin) before exp');

    const opaque = tokenSetup(() => 'opaque-token');
    await settle();
    opaque.ws.last().open();
    authenticated(opaque.ws.last(), Math.floor(opaque.clock.now() / 1000) + 300);
    opaque.clock.advance(270_000);
    await settle();
    assert.equal(opaque.calls.length, 2, 'the server\'s exp, 30 s before');
  });

  it('reconnects after 4401 with a fresh token and resumes every subscription with since', async () => {
    const { ws, plank, clock, calls } = tokenSetup((n) => `t${n}`);
    await settle();
    let socket = ws.last();
    socket.open();
    authenticated(socket, 0);
    const sub = plank.subscribe({ table: 'items' });
    answer(socket, 10);
    socket.frame(change(sub.id, 11, 1));
    socket.serverClose(4401, 'Token expired; reconnect with a fresh token and resume with since');
    assert.equal(plank.state, 'reconnecting');
    clock.advance(clock.nextDelay());
    await settle();
    assert.equal(calls.length, 2, 'the token source asked again');
    socket = ws.last();
    assert.equal(ws.sockets.length, 2);
    socket.open();
    assert.deepEqual(socket.sent, [{ type: 'auth', token: 't2' }]);
    authenticated(socket, 0);
    assert.deepEqual(socket.sentOf('subscribe'), [{ type: 'subscribe', table: 'items', sub: sub.id, since: 11 }]);
  });

  it('treats invalid_token on the first auth as a failed attempt: error event, backoff, a new token', async () => {
    const { ws, plank, clock, calls } = tokenSetup((n) => `t${n}`, { random: () => 0 });
    const errors = [];
    plank.on('error', (error) => errors.push(error));
    const sub = plank.subscribe({ table: 'items' });
    const delays = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await settle();
      const socket = ws.last();
      socket.open();
      socket.frame({ type: 'error', code: 'invalid_token', message: 'Token expired' });
      assert.equal(socket.closedWith.code, 1000, 'the client closes the refused connection');
      assert.equal(socket.sentOf('subscribe').length, 0);
      assert.equal(plank.state, 'reconnecting');
      delays.push(clock.nextDelay());
      clock.advance(clock.nextDelay());
    }
    assert.deepEqual(delays, [250, 500, 1000], 'the backoff grows: a refusal is no answer');
    assert.deepEqual(errors.map((e) => [e.code, e.retrying]), [['invalid_token', true], ['invalid_token', true], ['invalid_token', true]]);
    assert.match(errors[0].message, /Token expired/);
    await settle();
    assert.equal(calls.length, 4, 'a new token for every attempt');
    ws.last().open();
    assert.deepEqual(ws.last().sent, [{ type: 'auth', token: 't4' }]);
    authenticated(ws.last(), 0);
    assert.equal(ws.last().sentOf('subscribe')[0].sub, sub.id);
    assert.equal(sub.active, true);
  });

  it('keeps the connection when a refresh is refused, and asks again half way to the expiry', async () => {
    const { ws, plank, clock, calls } = tokenSetup((n, clock) => ({ token: `t${n}`, expiresAt: clock.now() + 100_000 }), {
      tokenRefreshMarginMs: 40_000,
    });
    const errors = [];
    plank.on('error', (error) => errors.push(error));
    await settle();
    const socket = ws.last();
    socket.open();
    authenticated(socket, 0);
    clock.advance(60_000);
    await settle();
    assert.equal(socket.sentOf('auth').length, 2);
    socket.frame({ type: 'error', code: 'invalid_token', message: 'a connection keeps its subject; reconnect' });
    assert.deepEqual(errors.map((e) => [e.code, e.retrying]), [['invalid_token', true]]);
    assert.equal(plank.state, 'open');
    assert.equal(socket.closedWith, null);
    clock.advance(19_999); // 40 s were left: half of it
    await settle();
    assert.equal(calls.length, 2);
    clock.advance(1);
    await settle();
    assert.equal(calls.length, 3);
    assert.equal(socket.sentOf('auth').at(-1).token, 't3');
  });

  it('gives up a connection whose token gets no answer within connectTimeoutMs', async () => {
    const { ws, plank, clock } = tokenSetup((n) => `t${n}`, { connectTimeoutMs: 2_000 });
    await settle();
    ws.last().open();
    clock.advance(2_000);
    assert.equal(plank.state, 'reconnecting');
    clock.advance(clock.nextDelay());
    await settle();
    assert.equal(ws.sockets.length, 2);
  });
});
