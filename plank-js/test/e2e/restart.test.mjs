// The server is killed (SIGKILL: no close frame, no undeployment) while rows are being written, and started again
// on the same port. The client notices, reconnects with backoff until Plank is back, and resumes: every change
// arrives exactly once, in order, and the view equals the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertOncePerSeqInOrder, assertViewEquals, capturedTable, client, killServer, recordChanges, server, sleep, sql,
  startServer, tableRows, until,
} from './support.mjs';

test(`the server (${server}) killed and restarted mid-stream`, { timeout: 220_000 }, async () => {
  await capturedTable('js_restart', 'id int PRIMARY KEY, n int NOT NULL');
  const plank = client();
  try {
    const view = plank.view('js_restart');
    const sub = plank.subscribe({ table: 'js_restart' });
    const changes = recordChanges(sub);
    await Promise.all([view.ready, sub.ready]);

    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        const id = ++written;
        await sql('INSERT INTO js_restart VALUES (?, 0)', id);
        if (id % 3 === 0) await sql('UPDATE js_restart SET n = n + 1 WHERE id = ?', id - 1);
        if (id % 7 === 0) await sql('DELETE FROM js_restart WHERE id = ?', id - 5);
        await sleep(15);
      }
    })();
    await until('changes streaming', () => changes.length >= 30);
    await killServer();
    await until('the client to notice the server gone', () => plank.state !== 'open', 30_000);
    const atKill = written;
    await until('rows written while the server is down', () => written >= atKill + 20);
    await startServer();
    await until('the client to be back', () => plank.state === 'open', 60_000, () => JSON.stringify(plank.states.slice(-3)));
    const atRestart = written;
    await until('rows written after the restart', () => written >= atRestart + 20);
    writing = false;
    await writer;

    const [sentinel] = await sql('INSERT INTO js_restart VALUES (-1, 0) RETURNING id');
    await until('the sentinel row', () => changes.some((c) => c.id === sentinel) && view.has(sentinel), 60_000);

    const logged = await sql("SELECT seq FROM plank.change_log WHERE table_name = 'js_restart' ORDER BY seq");
    assertOncePerSeqInOrder(changes);
    assert.deepEqual(changes.map((c) => c.seq), logged, 'every logged change delivered, none twice');
    assertViewEquals(view, await tableRows('js_restart'));
    const drop = plank.states.find((s) => s.state === 'reconnecting');
    assert.ok(drop, 'the client reconnected');
    assert.ok([1006, 1001].includes(drop.code), `a killed server ends the connection abnormally: ${JSON.stringify(drop)}`);
  } finally {
    plank.close();
  }
});
