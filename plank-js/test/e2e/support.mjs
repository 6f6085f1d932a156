// What the end-to-end tests share: the running Plank's addresses (set by plank-system-tests' JsClientIT), its
// control channel (SQL, kill and restart, pruning), a client with short timings, and waiting with a deadline.
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connect, canonicalKey } from '../../dist/plank.esm.js';

export const server = process.env.PLANK_SERVER ?? 'unknown';
export const wsUrl = required('PLANK_WS_URL');
export const httpUrl = required('PLANK_HTTP_URL');
const controlUrl = required('PLANK_CONTROL_URL');

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: these tests run from plank-system-tests (JsClientIT, mvn verify)`);
  return value;
}

/** A client with timings short enough for tests; the `ws` package is Node 20's WebSocket. */
export function client(url = wsUrl, options = {}) {
  const plank = connect(url, {
    WebSocket,
    pingIntervalMs: 1_000,
    pongTimeoutMs: 1_500,
    connectTimeoutMs: 3_000,
    backoff: { initialMs: 200, maxMs: 2_000 },
    ...options,
  });
  plank.states = [];
  plank.on('state', (event) => plank.states.push(event));
  return plank;
}

async function post(path, body) {
  const response = await fetch(controlUrl + path, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = await response.json();
  if (response.status !== 200) throw new Error(`${path}: ${answer.error}`);
  return answer;
}

/** Runs one statement on Plank's database; the rows are the first column's values. */
export async function sql(statement, ...params) {
  return (await post('/sql', { sql: statement, params })).rows;
}

/**
 * A token signed with the harness's test key (the server trusts its JWKS): `{ sub, groups, ttlSeconds, audience }`,
 * or null where the control channel signs none (before the server's token support, issue 11).
 */
export async function testToken(claims) {
  const response = await fetch(controlUrl + '/token', { method: 'POST', body: JSON.stringify(claims) });
  if (response.status === 404) return null;
  const answer = await response.json();
  if (response.status !== 200) throw new Error(`/token: ${answer.error}`);
  return answer.token;
}

export const killServer = () => post('/kill');
export const startServer = () => post('/start');
export const redeploy = () => post('/redeploy');
export const prune = (through) => post(`/prune?through=${through}`);

/** A new table, captured durably, that the server already knows (it re-reads the captured tables at most once a second). */
export async function capturedTable(name, columns) {
  await sql(`DROP TABLE IF EXISTS ${name}`);
  await sql(`CREATE TABLE ${name} (${columns})`);
  await sql(`SELECT plank.capture('${name}')`);
  const probe = client();
  try {
    await until(`${name} to be subscribable`, async () => {
      const sub = probe.subscribe({ table: name });
      try {
        await sub.ready;
        return true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return false;
      } finally {
        sub.unsubscribe();
      }
    }, 15_000);
  } finally {
    probe.close();
  }
}

/** Polls `check` until it gives something truthy; fails with `what` (and `evidence()`) at the deadline. */
export async function until(what, check, timeoutMs = 30_000, evidence = () => '') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`Timed out after ${timeoutMs} ms waiting for ${what}. ${evidence()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The table's rows as the database has them now, keyed as a view keys them. */
export async function tableRows(table, where = 'true', key = (row) => row.id) {
  const rows = await sql(`SELECT to_jsonb(t) FROM ${table} t WHERE ${where}`);
  return new Map(rows.map((row) => [canonicalKey(key(row)), row]));
}

/** Asserts that a view holds exactly the rows given, row for row. */
export function assertViewEquals(view, expected, key = (row) => row.id) {
  const actual = new Map(view.rows.map((row) => [canonicalKey(key(row)), row]));
  const missing = [...expected.keys()].filter((k) => !actual.has(k));
  const extra = [...actual.keys()].filter((k) => !expected.has(k));
  const different = [...expected.keys()].filter((k) => actual.has(k) && JSON.stringify(sortKeys(actual.get(k))) !== JSON.stringify(sortKeys(expected.get(k))));
  assert.deepEqual({ missing, extra, different: different.map((k) => ({ key: k, view: actual.get(k), table: expected.get(k) })) },
    { missing: [], extra: [], different: [] }, `the view of ${view.table} equals the table (${expected.size} rows)`);
}

function sortKeys(row) {
  return Object.fromEntries(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Collects every change a subscription delivers, and checks that none comes twice. */
export function recordChanges(subscription) {
  const changes = [];
  for (const type of ['change', 'leave', 'enter']) subscription.on(type, (event) => changes.push(event));
  return changes;
}

export function assertOncePerSeqInOrder(changes) {
  const seqs = changes.map((change) => change.seq);
  assert.equal(new Set(seqs).size, seqs.length, 'no change delivered twice');
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'changes in seq order');
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
