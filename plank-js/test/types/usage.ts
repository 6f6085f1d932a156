// Compiled (not run) by `npm run build` against the emitted declarations: the uses in the README and docs/CLIENTS.md type-check.
import { connect, type ChangeEvent, type ConnectionState, type Row, type SubscriptionEvent } from '../../dist/types/index.js';

interface Item extends Row {
  id: number;
  name: string;
  value: number | null;
}

const plank = connect('ws://localhost:8080/plank/ws', { token: async () => 'a token', batch: true });
const items = plank.view<Item>('items', { filter: 'value=gte.10' });
items.on('change', ({ rows, cause }) => {
  const names: string[] = rows.map((item) => item.name);
  void names;
  void cause;
});
const first: Item | undefined = items.get(42);
void first;

const orders = plank.view('orders', { key: ['region', 'number'] });
void orders.get({ region: 'eu', number: 1 });

const paid = plank.subscribe({ table: 'orders', filter: 'status=eq.paid', snapshot: true });
paid.on('leave', (change: ChangeEvent) => void change.id);
paid.on('change', (change: ChangeEvent) => {
  const tx: number | undefined = change.tx;
  const last: boolean = change.txLast;
  void [tx, last];
});
paid.on('txEnd', (end) => void end.tx);
const state: ConnectionState = plank.state;
void state;

export async function consume(): Promise<number | undefined> {
  const subscribed = await paid.ready;
  for await (const event of paid) {
    const e: SubscriptionEvent = event;
    if (e.type === 'snapshot') return e.rows.length;
    if (e.type === 'reset' && e.resnapshot) break;
  }
  return subscribed.seq;
}
