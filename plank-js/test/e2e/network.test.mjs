// The client's network drops without a word: a TCP proxy between client and Plank stops passing bytes but keeps
// the connections open, and answers nothing to new ones, as a dead Wi-Fi would. Only the ping tells the client;
// it gives up on the silent connection, keeps trying (each attempt timing out), and once the network is back
// resumes: every change made meanwhile arrives exactly once, and the view equals the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  assertOncePerSeqInOrder, assertViewEquals, capturedTable, client, httpUrl, recordChanges, sql, tableRows, until,
} from './support.mjs';

function proxy(port) {
  const pairs = new Set();
  let cut = false;
  const server = net.createServer((downstream) => {
    downstream.on('error', () => downstream.destroy());
    if (cut) {
      pairs.add({ downstream, upstream: null }); // accepted, never answered
      return;
    }
    const upstream = net.connect(port, '127.0.0.1');
    const pair = { downstream, upstream };
    pairs.add(pair);
    upstream.on('error', () => downstream.destroy());
    downstream.on('close', () => upstream.destroy());
    upstream.on('close', () => downstream.destroy());
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    cut() {
      cut = true;
      for (const { downstream, upstream } of pairs) {
        if (!upstream) continue;
        downstream.unpipe(upstream);
        upstream.unpipe(downstream);
        downstream.pause();
        upstream.pause();
      }
    },
    restore() {
      cut = false;
      for (const pair of pairs) {
        pair.downstream.destroy();
        pair.upstream?.destroy();
      }
      pairs.clear();
    },
    close() {
      this.restore();
      server.close();
    },
  })));
}

test('the client\'s network dropped silently', { timeout: 120_000 }, async () => {
  await capturedTable('js_network', 'id int PRIMARY KEY, n int NOT NULL');
  const network = await proxy(Number(new URL(httpUrl).port));
  const plank = client(`ws://127.0.0.1:${network.port}/plank/ws`);
  try {
    const view = plank.view('js_network');
    const sub = plank.subscribe({ table: 'js_network' });
    const changes = recordChanges(sub);
    await Promise.all([view.ready, sub.ready]);
    for (let id = 1; id <= 10; id++) await sql('INSERT INTO js_network VALUES (?, 0)', id);
    await until('the first ten rows', () => changes.length === 10);

    network.cut();
    for (let id = 11; id <= 30; id++) await sql('INSERT INTO js_network VALUES (?, 0)', id);
    await sql('UPDATE js_network SET n = 5 WHERE id <= 15');
    await sql('DELETE FROM js_network WHERE id BETWEEN 3 AND 6');
    await until('the client to give up on the silent connection', () => plank.states.some((s) => /no answer to a ping/.test(s.reason ?? '')), 20_000);
    await until('an attempt through the dead network to time out', () => plank.states.some((s) => /not open after/.test(s.reason ?? '')), 20_000);
    assert.equal(changes.length, 10, 'nothing arrived through the dead network');

    network.restore();
    await until('the client to be back', () => plank.state === 'open', 30_000);
    const [sentinel] = await sql('INSERT INTO js_network VALUES (-1, 0) RETURNING id');
    await until('the sentinel row', () => changes.some((c) => c.id === sentinel) && view.has(sentinel), 30_000);

    const logged = await sql("SELECT seq FROM plank.change_log WHERE table_name = 'js_network' ORDER BY seq");
    assertOncePerSeqInOrder(changes);
    assert.deepEqual(changes.map((c) => c.seq), logged, 'every logged change delivered, none twice');
    assertViewEquals(view, await tableRows('js_network'));
  } finally {
    plank.close();
    network.close();
  }
});
