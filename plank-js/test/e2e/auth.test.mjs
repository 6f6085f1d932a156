// Tokens end to end (issue 11): the client authenticates in-band (never in the URL), subscribes only once the server
// accepted the token, refreshes on the same connection, and after the server's 4401 (expired) reconnects with a fresh
// token and resumes without loss or repeats. Tokens come from the control channel, signed with the key whose JWKS the
// test JVM serves to the server; a table with a grant of its own is closed to anonymous callers.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertOncePerSeqInOrder, capturedTable, client, httpUrl, recordChanges, sleep, sql, testToken, until } from './support.mjs';

const TABLE = 'js_secured';
const ROLE = 'js-reader';
let signing = true;

before(async () => {
  signing = (await testToken({ sub: 'probe', groups: [ROLE], ttlSeconds: 60 })) !== null;
  if (!signing) return;
  await capturedTable(TABLE, 'id int PRIMARY KEY, label text');
  // The harness makes anonymous callers admins: the grant of its own closes the table to everyone but ROLE.
  const response = await fetch(`${httpUrl}/api/tables/${TABLE}/grants`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ read: [ROLE], write: [] }),
  });
  assert.equal(response.status, 200, await response.text());
});

/** A token source that counts its calls, each token living `ttlSeconds`. */
function tokens(claims) {
  const source = async () => {
    source.calls++;
    return testToken({ sub: 'js-alice', groups: [ROLE], ttlSeconds: 60, ...claims });
  };
  source.calls = 0;
  return source;
}

test('without a token the table is refused; with one the client subscribes once authenticated', async (t) => {
  if (!signing) return t.skip('the control channel signs no tokens yet (needs the server side of issue 11)');
  const anonymous = client();
  const token = tokens();
  const plank = client(undefined, { token });
  // Before anything is awaited: the client connects, and is answered, while the anonymous one is refused.
  const frames = [];
  plank.on('frame', (frame) => frames.push(frame.type));
  try {
    await assert.rejects(anonymous.subscribe({ table: TABLE }).ready, /unauthorized/);
    const sub = plank.subscribe({ table: TABLE });
    await sub.ready;
    assert.equal(frames[0], 'authenticated', `the first frame answers the token: ${frames}`);
    const changes = recordChanges(sub);
    await sql(`INSERT INTO ${TABLE} VALUES (1, 'granted')`);
    await until('the INSERT', () => changes.length === 1);
    assert.equal(token.calls, 1);
  } finally {
    anonymous.close();
    plank.close();
  }
});

test('refreshes in-band before expiry: one connection, changes keep flowing', async (t) => {
  if (!signing) return t.skip('the control channel signs no tokens yet (needs the server side of issue 11)');
  const token = tokens({ ttlSeconds: 6 });
  const plank = client(undefined, { token, tokenRefreshMarginMs: 3_000 });
  try {
    const sub = plank.subscribe({ table: TABLE });
    await sub.ready;
    const changes = recordChanges(sub);
    for (let i = 0; i < 8; i++) {
      await sql(`INSERT INTO ${TABLE} VALUES (?, 'refreshing') ON CONFLICT (id) DO UPDATE SET label = excluded.label`, 100 + i);
      await sleep(1_000);
    }
    await until('every change', () => changes.length === 8);
    assert.ok(token.calls >= 3, `refreshed twice or more in 8 s of 6 s tokens: ${token.calls} calls`);
    const states = plank.states.map((s) => s.state);
    assert.ok(!states.includes('reconnecting') && states.filter((s) => s === 'open').length === 1, `never reconnected: ${states}`);
    assertOncePerSeqInOrder(changes);
  } finally {
    plank.close();
  }
});

test('after 4401 (the token expired) it reconnects with a fresh token and resumes with since', async (t) => {
  if (!signing) return t.skip('the control channel signs no tokens yet (needs the server side of issue 11)');
  const token = tokens({ ttlSeconds: 4 });
  // A margin beyond any lifetime: no refresh, so the server closes the connection when the token expires.
  const plank = client(undefined, { token, tokenRefreshMarginMs: -3_600_000 });
  try {
    const sub = plank.subscribe({ table: TABLE });
    await sub.ready;
    const changes = recordChanges(sub);
    // Rows written all along: before the expiry, while the client is away, and after it is back.
    let writing = true;
    let next = 1_000;
    const writer = (async () => {
      while (writing) {
        await sql(`INSERT INTO ${TABLE} VALUES (?, 'across expiry')`, next++);
        await sleep(200);
      }
    })();
    try {
      // The server may allow its clock skew past exp before it closes.
      await until('the server closing the connection with 4401', () => plank.states.some((s) => s.code === 4401), 45_000,
        () => `states: ${JSON.stringify(plank.states)}`);
      await until('the connection open again', () => plank.state === 'open', 15_000);
      await sleep(1_000);
    } finally {
      writing = false;
      await writer;
    }
    const written = next - 1_000;
    await until(`all ${written} changes, across the expiry`, () => changes.length >= written, 15_000);
    assert.ok(plank.states.some((s) => s.state === 'reconnecting' && s.code === 4401), JSON.stringify(plank.states));
    assert.ok(token.calls >= 2, 'a fresh token for the new connection');
    assertOncePerSeqInOrder(changes);
    assert.deepEqual(changes.map((c) => c.id), Array.from({ length: written }, (_, i) => 1_000 + i), 'each row once, in order');
  } finally {
    plank.close();
  }
});

test('a token the server refuses is an error event, and the client keeps asking for a new one', async (t) => {
  if (!signing) return t.skip('the control channel signs no tokens yet (needs the server side of issue 11)');
  const token = tokens({ audience: 'someone-else' });
  const plank = client(undefined, { token });
  const errors = [];
  plank.on('error', (error) => errors.push(error));
  try {
    const sub = plank.subscribe({ table: TABLE });
    await until('two refusals', () => errors.filter((e) => e.code === 'invalid_token').length >= 2, 15_000);
    assert.ok(errors.every((e) => e.retrying), JSON.stringify(errors));
    assert.ok(token.calls >= 2, 'a new token for every attempt');
    assert.equal(sub.active, true, 'the subscription waits for a connection that authenticates');
  } finally {
    plank.close();
  }
});
