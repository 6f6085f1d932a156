/** A row as Plank sends it: the JSON PostgreSQL's `to_jsonb` gives. */
export type Row = Record<string, unknown>;

/** A primary key as change frames carry it: a number or string, or an object for a composite key. */
export type RowId = number | string | Record<string, unknown>;

/** What a change did: to one row, or (`TRUNCATE`) to every row of the table. */
export type Action = 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE';

/** One server frame (docs/PROTOCOL.md). Unknown fields are kept. */
export interface Frame {
  type: string;
  [field: string]: unknown;
}

export interface ChangeFrame extends Frame {
  type: 'change';
  seq?: number;
  table: string;
  /** `TRUNCATE`: the table was emptied; `id` and `data` are null. */
  action: Action;
  id: RowId | null;
  data: Row | null;
  at?: string;
  subs?: string[];
  leave?: boolean;
  enter?: boolean;
  truncated?: boolean;
  /** The writing transaction (durably captured tables). */
  tx?: number;
  /** The transaction's last change to the table. */
  tx_last?: boolean;
}

/** The WebSocket constructor to use: the browser's, or e.g. the `ws` package's in Node. */
export interface WebSocketConstructor {
  new (url: string): WebSocketLike;
}

/** What Plank needs of a WebSocket: the browser's interface, which `ws` implements too. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: ends the connection without a closing handshake (used for a connection found dead). */
  terminate?: () => void;
}

/** A token for the connection: the string, and when it stops being valid (ms since the epoch, or a Date). */
export interface TokenGrant {
  token: string;
  expiresAt?: number | Date;
}

/** Timers and clock; tests give their own. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/** Something firing `online` and `offline` events: the browser's `window` by default. */
export interface NetworkEvents {
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

export interface BackoffOptions {
  /** First delay before reconnecting, ms (default 500). */
  initialMs?: number;
  /** Longest delay, ms (default 30,000). */
  maxMs?: number;
  /** Growth per failed attempt (default 2). */
  factor?: number;
}

export interface PlankOptions {
  /** The WebSocket implementation; default `globalThis.WebSocket` (browsers, Node 22+). */
  WebSocket?: WebSocketConstructor;
  /**
   * Where tokens come from: called before every connection and again before the token expires. Its token goes to
   * the server in the connection's first message (`{"type":"auth","token":...}`, never in the URL); subscriptions
   * are sent once the server has answered `authenticated`. A refresh is another `auth` message on the same
   * connection. Return nothing to connect anonymously.
   */
  token?: () => Promise<string | TokenGrant | null | undefined> | string | TokenGrant | null | undefined;
  /**
   * Refresh this long before the token expires, ms (default 30,000; a token that lives shorter is refreshed half
   * way). The expiry is the grant's `expiresAt`, else the JWT's `exp`, else the server's `authenticated` `exp`.
   */
  tokenRefreshMarginMs?: number;
  /** Ask for `?batch=true`: the server may then send several frames as one JSON array (default true). */
  batch?: boolean;
  backoff?: BackoffOptions;
  /** The shortest delay after the server said "try again later" (close code 1013) or "too many" (4429), ms (default 5,000). */
  retryLaterMs?: number;
  /** Send a ping after this long without any message from the server, ms (default 20,000). */
  pingIntervalMs?: number;
  /** Count the connection dead when nothing arrives this long after a ping, ms (default 10,000). */
  pongTimeoutMs?: number;
  /** Give up on a connection attempt that has not opened after this long, ms (default 15,000). */
  connectTimeoutMs?: number;
  /** Close codes after which the client does not reconnect (default 1002, 1003, 1007, 1008, 1009, 1010). */
  fatalCloseCodes?: number[];
  /** Source of `online`/`offline` events; default `window` where there is one, `null` for none. */
  network?: NetworkEvents | null;
  /** Connect at once (default true); otherwise on `connect()`. */
  autoConnect?: boolean;
  timers?: Timers;
  /** Random numbers in [0, 1) for the backoff's jitter. */
  random?: () => number;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed';

export interface StateEvent {
  state: ConnectionState;
  previous: ConnectionState;
  /** The close code that ended the last connection, when there was one. */
  code?: number;
  reason?: string;
  /** For `reconnecting`: when the next attempt starts, ms from now (absent while waiting for the network). */
  delayMs?: number;
  /** For `reconnecting`: how many attempts have failed in a row. */
  attempt?: number;
}

export interface ErrorEvent {
  /** The server's error code (`unknown_table`, `invalid_filter`, `invalid_token`, ...) or the client's own (`closed`, `token_failed`, ...). */
  code: string;
  message: string;
  /** True when the client tries again by itself. */
  retrying: boolean;
  frame?: Frame;
}

export interface SubscribeOptions {
  table: string;
  /** A filter as in docs/PROTOCOL.md: `status=eq.paid&total=gte.100`. */
  filter?: string;
  /** Start with the rows that match now (durably captured tables only). */
  snapshot?: boolean;
  /** Resume after this seq instead of starting now (not with `snapshot`). */
  since?: number;
}

export interface SubscribedEvent {
  type: 'subscribed';
  /** Where the stream stands (absent for an ephemerally captured table). */
  seq?: number;
  /** True when this answers a resume after a disconnect. */
  resumed: boolean;
  frame: Frame;
}

export interface SnapshotEvent {
  type: 'snapshot';
  rows: Row[];
  /** True on the snapshot's last page. */
  last: boolean;
  frame: Frame;
}

export interface ChangeEvent {
  /** `leave`: an UPDATE moved the row out of the filter (drop it); `enter`: into it (add it); `change` otherwise. */
  type: 'change' | 'leave' | 'enter';
  /** `TRUNCATE`: every row of the table is gone (drop all you hold of it); it has no `id` and no `data`. */
  action: Action;
  /** The row's primary key; null for a `TRUNCATE`. */
  id: RowId | null;
  data: Row | null;
  seq?: number;
  at?: string;
  /** The row was too large for a notification (ephemeral tables): fetch it by `id`. */
  truncated: boolean;
  /**
   * The transaction that wrote the change (durably captured tables): changes with the same `tx` were committed
   * together. Absent for ephemerally captured tables; such a change stands alone.
   */
  tx?: number;
  /**
   * The transaction's last change to the table: nothing more of `tx` follows. A subscription whose filter dropped
   * that last change gets a `txEnd` event instead. Always true for a change without `tx`.
   */
  txLast: boolean;
  frame: ChangeFrame;
}

export interface TxEndEvent {
  type: 'txEnd';
  /** A transaction this subscription received changes of has no more for it (its last change did not pass the filter). */
  tx: number;
  frame: Frame;
}

export interface ResetEvent {
  type: 'reset';
  /** Why: the changes missed are no longer retained, an ephemeral table, a snapshot cut short by a disconnect. */
  reason: string;
  /** True when a new snapshot follows by itself (subscriptions with `snapshot`); otherwise reload the table yourself. */
  resnapshot: boolean;
  frame?: Frame;
}

export interface SubscriptionErrorEvent extends ErrorEvent {
  type: 'error';
}

export interface EndEvent {
  type: 'end';
  /** Why the subscription ended: unsubscribed, the table no longer captured, refused, the client closed. */
  reason: string;
  /**
   * When the server ended it because the database changed under it (PROTOCOL.md, "When the database changes under a
   * stream"): `forbidden`, `access_changed` (subscribe again), `table_released`, `table_dropped`, `table_renamed`,
   * `invalid_filter`.
   */
  code?: string;
}

export type SubscriptionEvent =
  | SubscribedEvent
  | SnapshotEvent
  | ChangeEvent
  | TxEndEvent
  | ResetEvent
  | SubscriptionErrorEvent
  | EndEvent;
