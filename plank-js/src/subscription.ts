import { Backoff } from './backoff.js';
import { Emitter, EventQueue } from './emitter.js';
import type {
  ChangeEvent,
  ChangeFrame,
  EndEvent,
  Frame,
  ResetEvent,
  Row,
  SnapshotEvent,
  SubscribedEvent,
  SubscribeOptions,
  SubscriptionErrorEvent,
  SubscriptionEvent,
  TxEndEvent,
} from './types.js';

export interface SubscriptionEvents extends Record<string, unknown> {
  subscribed: SubscribedEvent;
  snapshot: SnapshotEvent;
  change: ChangeEvent;
  leave: ChangeEvent;
  enter: ChangeEvent;
  txEnd: TxEndEvent;
  reset: ResetEvent;
  error: SubscriptionErrorEvent;
  end: EndEvent;
}

/** What a subscription needs of its client. */
export interface Link {
  /** Sends if connected; otherwise the subscription is requested again when the connection opens. */
  send(message: Record<string, unknown>): void;
  remove(subscription: Subscription): void;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
  /** Whether a subscribe sent now would go out. */
  isOpen(): boolean;
}

/** Refused subscribe requests that are worth asking again: the database was away, the snapshot read failed. */
const RETRYABLE = new Set(['unavailable', 'snapshot_failed']);

type Phase = 'waiting' | 'requested' | 'snapshot' | 'live' | 'ended';
type Request = 'plain' | 'since' | 'snapshot';

/**
 * One subscription: asks the server for it on every connection, resumes with `since` after a disconnect, drops
 * what it has already delivered (by `seq`), and passes the rest on as events or through `for await`.
 *
 * Events: `subscribed`; `snapshot` (pages, the last with `last: true`); one of `change`, `leave` (the row left the
 * filter: drop it) or `enter` (it entered: add it) per change; `reset` (reload, or a new snapshot follows);
 * `txEnd` (a transaction this subscription had changes of has no more for it, see `ChangeEvent.txLast`); `error`; `end`.
 */
export class Subscription extends Emitter<SubscriptionEvents> {
  readonly id: string;
  readonly table: string;
  readonly filter: string | undefined;
  readonly snapshot: boolean;
  /** Resolves once the server has answered `subscribed` (for a snapshot: after reading it); rejects if refused. */
  readonly ready: Promise<SubscribedEvent>;

  private phase: Phase = 'waiting';
  private request: Request = 'plain';
  /** Where to resume from: the last change delivered, or the `subscribed` seq when that is later and safe. */
  private resumeSeq: number | undefined;
  /** Changes at or below this seq were delivered already (or are contained in what was delivered). */
  private delivered: number | undefined;
  private answeredSeq: number | undefined;
  private everSubscribed = false;
  private ephemeral = false;
  private missedWhileAway = false;
  /** Frames of a subscription this one replaced on the same connection are dropped until its `subscribed`. */
  private dropUntilSubscribed = false;
  /** Not asked for until `release()`: a persisted view first learns where to resume from. */
  private held: boolean;
  private settled = false;
  private resolveReady!: (event: SubscribedEvent) => void;
  private rejectReady!: (error: Error) => void;
  private retryTimer: unknown = null;
  private readonly retries: Backoff;
  private readonly queues = new Set<EventQueue<SubscriptionEvent>>();

  /** @internal */
  constructor(id: string, options: SubscribeOptions, private readonly link: Link, held = false) {
    super();
    if (!options || typeof options.table !== 'string' || options.table === '') {
      throw new TypeError('subscribe needs a table');
    }
    if (options.snapshot && options.since !== undefined) {
      throw new TypeError('snapshot and since cannot be combined');
    }
    this.id = id;
    this.held = held;
    this.table = options.table;
    this.filter = options.filter || undefined;
    this.snapshot = options.snapshot === true;
    this.resumeSeq = options.since;
    this.delivered = options.since;
    this.retries = new Backoff({ initialMs: 1_000, maxMs: 15_000 }, link.random);
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Rejection is for those who await it; an application that only listens to events must not see it as unhandled.
    this.ready.catch(() => undefined);
  }

  /** The seq this subscription would resume after now (undefined before its stream has a position). */
  get lastSeq(): number | undefined {
    return this.resumeSeq;
  }

  get active(): boolean {
    return this.phase !== 'ended';
  }

  /** Ends the subscription; nothing more is delivered. */
  unsubscribe(): void {
    this.end('unsubscribed', true);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SubscriptionEvent> {
    const queue: EventQueue<SubscriptionEvent> = new EventQueue(() => this.queues.delete(queue));
    if (this.phase === 'ended') queue.end();
    else this.queues.add(queue);
    return queue;
  }

  // ---- driven by the client

  /** @internal The connection is open: ask for the subscription, resuming where it stands. */
  requestNow(): void {
    if (this.phase === 'ended' || this.held) return;
    this.link.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const message: Record<string, unknown> = { type: 'subscribe', table: this.table, sub: this.id };
    // Only a filter can drop a transaction's last change: then the server ends the transaction with `tx_end`.
    if (this.filter) Object.assign(message, { filter: this.filter, tx_end: true });
    if (this.resumeSeq !== undefined && !this.ephemeral) {
      this.request = 'since';
      message.since = this.resumeSeq;
    } else if (this.snapshot) {
      this.request = 'snapshot';
      message.snapshot = true;
    } else {
      this.request = 'plain';
    }
    this.phase = 'requested';
    // Only a plain subscribe can see its changes before `subscribed`; for the others anything earlier is stale.
    this.dropUntilSubscribed = this.request !== 'plain';
    this.link.send(message);
  }

  /** @internal The connection is gone. */
  disconnected(): void {
    this.link.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.phase === 'ended') return;
    if (this.phase === 'snapshot') {
      this.emitEvent('reset', {
        type: 'reset',
        reason: 'The connection dropped during the snapshot; a new snapshot follows',
        resnapshot: true,
      });
    }
    if (this.phase === 'live' && this.ephemeral) this.missedWhileAway = true;
    this.phase = 'waiting';
  }

  /** @internal A frame about this subscription. */
  receive(frame: Frame): void {
    if (this.phase === 'ended') return;
    switch (frame.type) {
      case 'change':
        return this.onChange(frame as ChangeFrame);
      case 'tx_end':
        return this.onTxEnd(frame);
      case 'subscribed':
        return this.onSubscribed(frame);
      case 'snapshot':
        return this.onSnapshot(frame);
      case 'reset':
        return this.onReset(frame);
      case 'error':
        return this.onError(frame);
      case 'unsubscribed':
        if (typeof frame.reason === 'string') this.end(frame.reason, false, typeof frame.code === 'string' ? frame.code : undefined);
        return;
    }
  }

  /**
   * @internal Asks for a held subscription: resuming after `since` (a persisted view's seq; a `reset` then brings a
   * snapshot), or as it was made.
   */
  release(since?: number): void {
    if (!this.held) return;
    this.held = false;
    if (since !== undefined) {
      this.resumeSeq = since;
      this.delivered = since;
    }
    if (this.link.isOpen()) this.requestNow();
  }

  /** @internal Drops the position and asks for a new snapshot (a persisted view found it held another user's rows). */
  resnapshot(): void {
    if (this.phase === 'ended') return;
    this.resumeSeq = undefined;
    this.delivered = undefined;
    if (!this.held && this.link.isOpen()) this.requestNow();
  }

  /** @internal Ends without asking the server (the client closed or failed). */
  endLocally(reason: string): void {
    this.end(reason, false);
  }

  private onSubscribed(frame: Frame): void {
    if (this.phase !== 'requested') return;
    this.dropUntilSubscribed = false;
    this.retries.reset();
    const seq = typeof frame.seq === 'number' ? frame.seq : undefined;
    this.answeredSeq = seq;
    this.ephemeral = seq === undefined;
    const resumed = this.everSubscribed;
    this.everSubscribed = true;
    if (this.request === 'snapshot') {
      this.phase = 'snapshot';
      this.resumeSeq = undefined; // resumable only once the whole snapshot has arrived
      this.delivered = seq;
    } else {
      this.phase = 'live';
      // A plain subscription streams from `seq`; a resume only from where it asked (the replay has no end marker).
      if (this.request === 'plain' && seq !== undefined) this.resumeSeq = max(this.resumeSeq, seq);
    }
    if (this.missedWhileAway) {
      this.missedWhileAway = false;
      this.emitEvent('reset', {
        type: 'reset',
        reason: `Table '${this.table}' is captured ephemerally: changes made while disconnected are lost; reload it`,
        resnapshot: false,
      });
    }
    const event: SubscribedEvent = { type: 'subscribed', seq, resumed, frame };
    if (!this.settled) {
      this.settled = true;
      this.resolveReady(event);
    }
    this.emitEvent('subscribed', event);
  }

  private onSnapshot(frame: Frame): void {
    if (this.phase !== 'snapshot') return;
    const last = frame.last === true;
    if (last) {
      this.phase = 'live';
      this.resumeSeq = max(this.resumeSeq, this.answeredSeq);
    }
    this.emitEvent('snapshot', { type: 'snapshot', rows: (frame.rows as Row[]) ?? [], last, frame });
  }

  private onChange(frame: ChangeFrame): void {
    if (this.dropUntilSubscribed) return;
    const seq = typeof frame.seq === 'number' ? frame.seq : undefined;
    if (seq !== undefined) {
      if (this.delivered !== undefined && seq <= this.delivered) return; // already delivered
      this.delivered = seq;
      this.resumeSeq = max(this.resumeSeq, seq);
    }
    const type = frame.leave === true ? 'leave' : frame.enter === true ? 'enter' : 'change';
    this.emitEvent(type, {
      type,
      action: frame.action,
      id: frame.id,
      data: frame.data ?? null,
      seq,
      at: frame.at,
      truncated: frame.truncated === true,
      tx: typeof frame.tx === 'number' ? frame.tx : undefined,
      txLast: typeof frame.tx !== 'number' || frame.tx_last === true,
      frame,
    });
  }

  private onTxEnd(frame: Frame): void {
    if (this.dropUntilSubscribed || typeof frame.tx !== 'number') return;
    this.emitEvent('txEnd', { type: 'txEnd', tx: frame.tx, frame });
  }

  private onReset(frame: Frame): void {
    if (this.dropUntilSubscribed) return;
    const reason = typeof frame.reason === 'string' ? frame.reason : 'The server asked for a reload';
    if (this.snapshot) {
      // The subscription asked for rows: a fresh snapshot, replacing this subscription on the server.
      this.emitEvent('reset', { type: 'reset', reason, resnapshot: true, frame });
      this.resumeSeq = undefined;
      this.delivered = undefined;
      this.requestNow();
      return;
    }
    // The server carries on live from its `subscribed` seq.
    this.resumeSeq = this.answeredSeq ?? this.resumeSeq;
    this.delivered = this.answeredSeq ?? this.delivered;
    this.emitEvent('reset', { type: 'reset', reason, resnapshot: false, frame });
  }

  private onError(frame: Frame): void {
    const code = typeof frame.code === 'string' ? frame.code : 'error';
    const message = typeof frame.message === 'string' ? frame.message : code;
    if (this.phase !== 'requested') {
      this.emitEvent('error', { type: 'error', code, message, retrying: false, frame });
      return;
    }
    if (RETRYABLE.has(code)) {
      this.emitEvent('error', { type: 'error', code, message, retrying: true, frame });
      this.phase = 'waiting';
      this.retryTimer = this.link.setTimeout(() => this.requestNow(), this.retries.next());
      return;
    }
    this.emitEvent('error', { type: 'error', code, message, retrying: false, frame });
    this.end(`${code}: ${message}`, false);
  }

  private end(reason: string, tellServer: boolean, code?: string): void {
    if (this.phase === 'ended') return;
    const wasKnownToServer = this.phase !== 'waiting';
    this.phase = 'ended';
    this.link.clearTimeout(this.retryTimer);
    this.link.remove(this);
    if (tellServer && wasKnownToServer) this.link.send({ type: 'unsubscribe', sub: this.id });
    if (!this.settled) {
      this.settled = true;
      this.rejectReady(new Error(`Subscription to '${this.table}' ended: ${reason}`));
    }
    this.emitEvent('end', code === undefined ? { type: 'end', reason } : { type: 'end', reason, code });
    for (const queue of this.queues) queue.end();
    this.queues.clear();
  }

  private emitEvent<K extends keyof SubscriptionEvents>(type: K, event: SubscriptionEvents[K]): void {
    for (const queue of this.queues) queue.push(event as SubscriptionEvent);
    this.emit(type, event);
  }
}

function max(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}
