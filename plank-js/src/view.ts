import { Emitter } from './emitter.js';
import { canonicalKey, keyOfRow, type KeySpec } from './keys.js';
import { indexedDbStore, type ViewStore } from './store.js';
import type { Subscription } from './subscription.js';
import type { ChangeEvent, EndEvent, ErrorEvent, ResetEvent, Row, RowId, SubscribeOptions, TxEndEvent } from './types.js';

export interface ViewOptions<R extends Row = Row> {
  /** Only the rows passing this filter (docs/PROTOCOL.md). */
  filter?: string;
  /**
   * The primary key: a column (default `id`), the columns of a composite key, or a function of the row. Snapshot
   * pages carry rows without their key, so the view must be told it.
   */
  key?: string | string[] | ((row: R) => unknown);
  /**
   * Keep the rows and the seq they are complete up to in the browser (IndexedDB), under this name: a reloaded page
   * shows them at once and resumes with `since` instead of loading a snapshot again (a `reset` brings one). The stored
   * view belongs to the token's subject (`sub`; `anonymous` without a token): another user's is never shown, and a
   * token that is not a JWT keeps nothing. `{ name, store }` keeps it elsewhere.
   */
  persist?: string | { name: string; store?: ViewStore };
}

export interface ViewChange<R extends Row = Row> {
  /** The rows now, in the order they arrived (a snapshot in key order, then new rows at the end). */
  rows: R[];
  /**
   * `snapshot`: the whole content was (re)loaded; `changes`: the changes listed were applied (whole transactions:
   * every change of a transaction is applied in the same notification as its last); `ended`: the server ended the
   * subscription because the caller may no longer read these rows or the table is gone, and the view was emptied;
   * `restored`: the rows were read from where the view is persisted, before anything came from the server.
   */
  cause: 'snapshot' | 'changes' | 'ended' | 'restored';
  changes: ChangeEvent[];
}

export interface ViewEvents<R extends Row = Row> extends Record<string, unknown> {
  change: ViewChange<R>;
  reset: ResetEvent;
  error: ErrorEvent;
  end: EndEvent;
}

/** What a view needs of its client. */
interface Subscriber {
  subscribe(options: SubscribeOptions): Subscription;
  /** For persisted views: a subscription asked for once the view knows where to resume. */
  subscribeHeld?(options: SubscribeOptions): Subscription;
  subject?(): Promise<string | undefined>;
  on?(type: 'frame', listener: (frame: { type: string; sub?: unknown }) => void): () => void;
}

/**
 * The rows of a table (or of those passing a filter), kept equal to the database: loaded from a snapshot, updated by
 * every change (a DELETE or a row leaving the filter removes it, a TRUNCATE removes every row, anything else puts it), and, when the client
 * cannot resume (a `reset`) or a snapshot was cut short, loaded again from a new snapshot, which replaces the old
 * rows in one step. Listeners hear `change` once per message from the server, however many rows it changed.
 *
 * A transaction is applied whole: its changes are held until its last one (`txLast`, or the subscription's `txEnd`
 * when the filter dropped the last) and then applied together, so no listener ever sees half of it (one account of a
 * transfer debited, the other not yet credited). Held changes survive a reconnect (the resume brings the rest) and
 * are dropped by a reset, whose new snapshot contains them. Transactions end separately in each table's view.
 */
export class LiveView<R extends Row = Row> extends Emitter<ViewEvents<R>> {
  readonly table: string;
  readonly filter: string | undefined;
  readonly subscription: Subscription;
  /** Resolves once the first snapshot is in; rejects if the subscription is refused. */
  readonly ready: Promise<LiveView<R>>;

  private readonly key: KeySpec;
  private current = new Map<string, R>();
  private incoming: Map<string, R> | null = null;
  private cached: R[] | null = null;
  private pending: ChangeEvent[] = [];
  /** Changes of transactions whose end has not arrived yet, by transaction. */
  private readonly openTx = new Map<number, ChangeEvent[]>();
  private reloaded = false;
  private notifyQueued = false;
  private emptied = false;
  private mismatchReported = false;
  private loadedOnce = false;
  private restored = false;
  /** Where the view is persisted, once its subject is known; null when it is not (or no longer) persisted. */
  private persisted: { key: string; subject: string; store: ViewStore } | null = null;
  private savedSeq: number | undefined;
  private saving = false;
  private saveAgain = false;

  /** @internal Made by `plank.view(...)`. */
  constructor(client: Subscriber, table: string, options: ViewOptions<R> = {}) {
    super();
    this.table = table;
    this.filter = options.filter;
    this.key = (options.key ?? 'id') as KeySpec;
    const persist = typeof options.persist === 'string' ? { name: options.persist } : options.persist;
    const request = { table, filter: options.filter, snapshot: true };
    this.subscription = persist && client.subscribeHeld ? client.subscribeHeld(request) : client.subscribe(request);
    let resolve!: (view: LiveView<R>) => void;
    let reject!: (error: Error) => void;
    this.ready = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.ready.catch(() => undefined);
    const s = this.subscription;
    s.on('snapshot', (page) => {
      this.incoming ??= new Map();
      for (const row of page.rows as R[]) this.incoming.set(this.keyOf(row), row);
      if (!page.last) return;
      this.current = this.incoming;
      this.incoming = null;
      this.reloaded = true;
      this.queueNotify();
      if (!this.loadedOnce) {
        this.loadedOnce = true;
        resolve(this);
      }
    });
    s.on('change', (change) => this.receive(change));
    s.on('enter', (change) => this.receive(change));
    s.on('leave', (change) => this.receive(change));
    s.on('txEnd', (end) => this.endTx(end));
    s.on('reset', (reset) => {
      this.incoming = null; // a new snapshot follows; the rows shown stay until it is complete
      this.openTx.clear(); // it contains these transactions whole
      this.emit('reset', reset);
    });
    s.on('error', (error) => this.emit('error', error));
    s.on('end', (end) => {
      // Rows the caller may no longer read, or of a table that is gone, are not kept on show, nor kept.
      if (end.code === 'forbidden' || end.code === 'access_changed' || end.code === 'table_dropped') {
        this.empty();
        this.forgetStored();
      }
      reject(new Error(`View of '${table}' ended: ${end.reason}`));
      this.emit('end', end);
    });
    if (persist && client.subscribeHeld) {
      void this.restore(client, persist.name, persist.store ?? indexedDbStore(), () => {
        this.loadedOnce = true;
        resolve(this);
      });
    }
  }

  /** Shows the stored rows of this subject, if any, and resumes after their seq; else asks for a snapshot. */
  private async restore(client: Subscriber, name: string, store: ViewStore, loaded: () => void): Promise<void> {
    let subject: string | undefined;
    try {
      subject = await client.subject?.();
    } catch {
      subject = undefined;
    }
    if (subject === undefined) {
      this.subscription.release(); // rows that cannot be tied to a user are not kept
      return;
    }
    const key = JSON.stringify([name, subject, this.table, this.filter ?? '']);
    this.persisted = { key, subject, store };
    let stored;
    try {
      stored = await store.load(key);
    } catch {
      stored = undefined;
    }
    if (stored && stored.subject === subject && typeof stored.seq === 'number' && Array.isArray(stored.rows) && !this.loadedOnce) {
      this.current = new Map(stored.rows.map((row) => [this.keyOf(row as R), row as R]));
      this.savedSeq = stored.seq;
      this.restored = true;
      this.queueNotify();
      loaded();
      this.subscription.release(stored.seq);
    } else {
      this.subscription.release();
    }
    // The connection's token is another user's than the one whose rows were stored: drop them, load that user's.
    client.on?.('frame', (frame) => {
      if (frame.type === 'authenticated' && typeof frame.sub === 'string' && this.persisted && frame.sub !== this.persisted.subject) {
        this.forgetStored();
        this.openTx.clear();
        this.empty();
        this.subscription.resnapshot();
      }
    });
  }

  /** Stores the rows with the seq they are complete up to: only where no transaction is held and no snapshot loading. */
  private persistSoon(): void {
    const target = this.persisted;
    const seq = this.subscription.lastSeq;
    if (!target || this.openTx.size > 0 || this.incoming || seq === undefined || seq === this.savedSeq) return;
    if (this.saving) {
      this.saveAgain = true;
      return;
    }
    this.saving = true;
    target.store.save(target.key, { subject: target.subject, seq, rows: this.rows })
      .then(() => {
        this.savedSeq = seq;
      }, (error) => this.emit('error', { code: 'persist_failed', message: `Could not store the view: ${String(error)}`, retrying: true }))
      .finally(() => {
        this.saving = false;
        if (this.saveAgain) {
          this.saveAgain = false;
          this.persistSoon();
        }
      });
  }

  private forgetStored(): void {
    const target = this.persisted;
    this.persisted = null;
    if (target) void target.store.remove(target.key).catch(() => undefined);
  }

  private empty(): void {
    this.incoming = null;
    this.openTx.clear();
    this.pending = [];
    if (this.current.size === 0) return;
    this.current = new Map();
    this.emptied = true;
    this.queueNotify();
  }

  /** The rows, in the order they arrived. The same array until the next change. */
  get rows(): R[] {
    this.cached ??= [...this.current.values()];
    return this.cached;
  }

  get size(): number {
    return this.current.size;
  }

  /** True once a snapshot has been loaded. */
  get loaded(): boolean {
    return this.loadedOnce;
  }

  /** The row with this key (as change frames carry it: a value, or an object for a composite key). */
  get(id: RowId): R | undefined {
    return this.current.get(canonicalKey(id));
  }

  has(id: RowId): boolean {
    return this.current.has(canonicalKey(id));
  }

  /** Stops following the table. */
  close(): void {
    this.subscription.unsubscribe();
  }

  /** Applies a change, or holds it until its transaction ends. */
  private receive(change: ChangeEvent): void {
    if (change.tx === undefined) {
      this.apply(change);
      return;
    }
    const held = this.openTx.get(change.tx);
    if (!change.txLast) {
      if (held) held.push(change);
      else this.openTx.set(change.tx, [change]);
      return;
    }
    this.openTx.delete(change.tx);
    if (held) for (const earlier of held) this.apply(earlier);
    this.apply(change);
  }

  private endTx(end: TxEndEvent): void {
    const held = this.openTx.get(end.tx);
    if (!held) return; // nothing of it reached this view
    this.openTx.delete(end.tx);
    for (const change of held) this.apply(change);
  }

  private apply(change: ChangeEvent): void {
    const target = this.incoming ?? this.current;
    if (change.action === 'TRUNCATE') {
      target.clear();
      this.notifyChanged(target, change);
      return;
    }
    const data = change.data as R | null;
    const key = data ? this.keyOf(data) : canonicalKey(change.id);
    if (data && !this.mismatchReported && key !== canonicalKey(change.id)) {
      this.mismatchReported = true;
      this.emit('error', {
        code: 'key_mismatch',
        message: `A change to '${this.table}' has id ${JSON.stringify(change.id)}, but its row gives key ${key}: `
          + 'pass the table\'s primary key as the view\'s key option',
        retrying: false,
      });
    }
    if (change.action === 'DELETE' || change.type === 'leave') target.delete(key);
    else if (data) target.set(key, data);
    this.notifyChanged(target, change);
  }

  private notifyChanged(target: Map<string, R>, change: ChangeEvent): void {
    if (target === this.current) {
      this.pending.push(change);
      this.queueNotify();
    }
  }

  private keyOf(row: R): string {
    return canonicalKey(keyOfRow(this.key, row));
  }

  /** One notification for everything one message brought (a batch of frames included). */
  private queueNotify(): void {
    this.cached = null;
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      const changes = this.pending;
      this.pending = [];
      const cause = this.emptied ? 'ended' : this.reloaded ? 'snapshot' : this.restored ? 'restored' : 'changes';
      this.reloaded = false;
      this.emptied = false;
      this.restored = false;
      this.emit('change', { rows: this.rows, cause, changes });
      this.persistSoon();
    });
  }
}
