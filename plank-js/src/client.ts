import { Backoff } from './backoff.js';
import { Emitter } from './emitter.js';
import { Subscription, type Link } from './subscription.js';
import { expiryOf, jwtSubject, normalizeToken } from './token.js';
import { LiveView, type ViewOptions } from './view.js';
import type {
  ConnectionState,
  ErrorEvent,
  Frame,
  NetworkEvents,
  PlankOptions,
  Row,
  StateEvent,
  SubscribeOptions,
  Timers,
  TokenGrant,
  WebSocketConstructor,
  WebSocketLike,
} from './types.js';

export interface ClientEvents extends Record<string, unknown> {
  state: StateEvent;
  error: ErrorEvent;
  /** Every frame the server sent, after the client has handled it (for logs and debugging). */
  frame: Frame;
}

/** Close codes that mean the client itself is at fault: retrying would fail the same way. */
const FATAL_CLOSE_CODES = [1002, 1003, 1007, 1008, 1009, 1010];
const OPEN = 1;

const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

/** Close codes after which the server asks the client to wait before coming back: 1013 try again later, 4429 too many. */
const RETRY_LATER_CODES = new Set([1013, 4429]);

/**
 * A connection to Plank that keeps itself open: reconnects with exponential backoff and jitter, checks the
 * connection with pings, reacts to the browser going offline and online, and resumes every subscription where it
 * stood. Close codes that mean the client is at fault (1003, 1009, ...) end it instead (state `failed`).
 *
 * With a token source, a connection counts as open only once the server has accepted its token (`authenticated`):
 * browsers cannot send headers on a WebSocket, and a token in the URL ends up in access logs, so the token is the
 * first message, and a refresh is another one on the same connection.
 */
export class PlankClient extends Emitter<ClientEvents> {
  private readonly url: string;
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly timers: Timers;
  private readonly backoff: Backoff;
  private readonly fatalCodes: Set<number>;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly network: NetworkEvents | null;
  private readonly link: Link;
  private currentState: ConnectionState = 'closed';
  private socket: WebSocketLike | null = null;
  /** False after disconnect() or close(): nothing reconnects. */
  private wanted = false;
  private ended = false;
  private offline = false;
  /** Counts connection attempts; an attempt that finds it changed (disconnect meanwhile) stops. */
  private generation = 0;
  private nextId = 0;
  private reconnectTimer: unknown = null;
  private connectTimer: unknown = null;
  private livenessTimer: unknown = null;
  private tokenTimer: unknown = null;
  private lastReceived = 0;
  private pingSentAt: number | null = null;
  private receivedSinceOpen = false;
  /** The token of the `auth` message awaiting its answer (the first one of a connection, or a refresh). */
  private pendingGrant: TokenGrant | null = null;
  /** Whether the connection waits for the answer to its first `auth` message: nothing else is sent meanwhile. */
  private authenticating = false;
  /** When the connection's accepted token expires, ms since the epoch. */
  private authExpiresAt: number | undefined;

  constructor(url: string, private readonly options: PlankOptions = {}) {
    super();
    const impl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!impl) {
      throw new TypeError('No WebSocket implementation: pass one as options.WebSocket (in Node, the ws package)');
    }
    this.url = url;
    this.WebSocketImpl = impl;
    this.timers = options.timers ?? systemTimers;
    const random = options.random ?? Math.random;
    this.backoff = new Backoff(options.backoff, random);
    this.fatalCodes = new Set(options.fatalCloseCodes ?? FATAL_CLOSE_CODES);
    this.network = options.network !== undefined ? options.network : defaultNetwork();
    this.network?.addEventListener('offline', this.onOffline);
    this.network?.addEventListener('online', this.onOnline);
    this.link = {
      send: (message) => this.send(message),
      remove: (subscription) => this.subscriptions.delete(subscription.id),
      setTimeout: (callback, ms) => this.timers.setTimeout(callback, ms),
      clearTimeout: (handle) => handle !== null && this.timers.clearTimeout(handle),
      random,
      isOpen: () => this.isOpen(),
    };
    if (options.autoConnect !== false) this.connect();
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** Subscribes now, or as soon as the connection is open; resumed after every reconnect until unsubscribed. */
  subscribe(options: SubscribeOptions): Subscription {
    if (this.ended) throw new Error('This Plank client is closed');
    const subscription = new Subscription(`s${++this.nextId}`, options, this.link);
    this.subscriptions.set(subscription.id, subscription);
    if (this.isOpen()) subscription.requestNow();
    return subscription;
  }

  /** @internal A subscription that waits for `release()` before it is asked for (persisted views). */
  subscribeHeld(options: SubscribeOptions): Subscription {
    if (this.ended) throw new Error('This Plank client is closed');
    const subscription = new Subscription(`s${++this.nextId}`, options, this.link, true);
    this.subscriptions.set(subscription.id, subscription);
    return subscription;
  }

  /**
   * Whose data this client reads: the token's `sub` (read, not verified), `anonymous` without a token source or
   * token, undefined for a token that is not a JWT. Asks the token source.
   */
  async subject(): Promise<string | undefined> {
    if (!this.options.token) return 'anonymous';
    const grant = normalizeToken(await this.options.token());
    return grant ? jwtSubject(grant.token) : 'anonymous';
  }

  /** A live, keyed collection of a table's rows (or those passing `filter`), kept correct across everything. */
  view<R extends Row = Row>(table: string, options: ViewOptions<R> = {}): LiveView<R> {
    return new LiveView<R>(this, table, options);
  }

  /** Opens the connection (again, after disconnect()); subscriptions resume where they stood. */
  connect(): void {
    if (this.ended) throw new Error('This Plank client is closed');
    this.wanted = true;
    if (this.socket || this.currentState === 'connecting') return;
    this.clearTimer('reconnectTimer');
    this.backoff.reset();
    void this.open();
  }

  /** Closes the connection and stays away; subscriptions are kept and resume on connect(). */
  disconnect(): void {
    this.wanted = false;
    this.generation++;
    this.clearTimer('reconnectTimer');
    if (this.socket) this.drop(1000, 'disconnect() called', true);
    else this.setState('closed');
  }

  /** Closes the connection for good and ends every subscription. */
  close(): void {
    if (this.ended) return;
    this.disconnect();
    this.ended = true;
    this.network?.removeEventListener('offline', this.onOffline);
    this.network?.removeEventListener('online', this.onOnline);
    for (const subscription of [...this.subscriptions.values()]) subscription.endLocally('the client was closed');
  }

  // ---- connecting

  private async open(): Promise<void> {
    const generation = ++this.generation;
    this.setState('connecting');
    let grant: TokenGrant | null = null;
    if (this.options.token) {
      try {
        grant = normalizeToken(await this.options.token());
      } catch (error) {
        if (generation !== this.generation) return;
        this.emit('error', { code: 'token_failed', message: `token() failed: ${String(error)}`, retrying: true });
        this.retry(0);
        return;
      }
      if (generation !== this.generation) return;
    }
    let socket: WebSocketLike;
    try {
      socket = new this.WebSocketImpl(this.socketUrl());
    } catch (error) {
      this.fail(`Could not open a WebSocket to ${this.url}: ${String(error)}`);
      return;
    }
    this.socket = socket;
    this.receivedSinceOpen = false;
    const timeout = this.options.connectTimeoutMs ?? 15_000;
    this.connectTimer = this.timers.setTimeout(() => this.drop(1006, `not open after ${timeout} ms`, false), timeout);
    socket.onopen = () => this.opened(grant);
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => {
      if (socket === this.socket) this.lost(event.code, event.reason);
    };
    socket.onerror = () => undefined; // a close follows
  }

  private opened(grant: TokenGrant | null): void {
    this.lastReceived = this.timers.now();
    this.pingSentAt = null;
    if (grant) {
      // The connect timeout keeps running: an answer to the token is part of opening.
      this.authenticating = true;
      this.sendAuth(grant);
      return;
    }
    this.established();
  }

  /** The connection can carry subscriptions: anonymous from its opening, or once the server accepted the token. */
  private established(): void {
    this.clearTimer('connectTimer');
    this.setState('open');
    this.scheduleLiveness(this.options.pingIntervalMs ?? 20_000);
    this.scheduleTokenRefresh();
    for (const subscription of this.subscriptions.values()) subscription.requestNow();
  }

  private socketUrl(): string {
    const base = (globalThis as { location?: { href: string } }).location?.href;
    const url = base ? new URL(this.url, base) : new URL(this.url);
    if (url.protocol === 'http:') url.protocol = 'ws:';
    if (url.protocol === 'https:') url.protocol = 'wss:';
    if (this.options.batch !== false) url.searchParams.set('batch', 'true');
    return url.toString();
  }

  // ---- receiving

  private receive(data: unknown): void {
    this.lastReceived = this.timers.now();
    if (!this.receivedSinceOpen && !this.authenticating) {
      this.receivedSinceOpen = true;
      this.backoff.reset(); // the server answers: a later drop starts the backoff from the beginning
    }
    if (typeof data !== 'string') {
      this.emit('error', { code: 'binary_message', message: 'Plank sends text frames only; a binary one was ignored', retrying: false });
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      this.emit('error', { code: 'invalid_frame', message: `Not JSON: ${data.slice(0, 200)}`, retrying: false });
      return;
    }
    // With ?batch=true one message may carry several frames as an array.
    for (const frame of Array.isArray(parsed) ? parsed : [parsed]) {
      if (frame && typeof frame === 'object' && typeof (frame as Frame).type === 'string') this.dispatch(frame as Frame);
    }
  }

  private dispatch(frame: Frame): void {
    if (frame.type === 'change') {
      const subs = Array.isArray(frame.subs) ? (frame.subs as string[]) : [];
      for (const id of subs) this.subscriptions.get(id)?.receive(frame);
    } else if (frame.type === 'authenticated') {
      this.onAuthenticated(frame); // its `sub` is the token's subject, not a subscription
    } else if (typeof frame.sub === 'string') {
      this.subscriptions.get(frame.sub)?.receive(frame);
    } else if (frame.type === 'error' && (this.authenticating || (this.pendingGrant && frame.code === 'invalid_token'))) {
      this.onTokenRefused(frame);
    } else if (frame.type === 'error') {
      this.emit('error', {
        code: String(frame.code ?? 'error'),
        message: String(frame.message ?? ''),
        retrying: false,
        frame,
      });
    }
    this.emit('frame', frame);
  }

  private send(message: Record<string, unknown>): void {
    if (this.isOpen()) this.socket!.send(JSON.stringify(message));
  }

  private sendAuth(grant: TokenGrant): void {
    this.pendingGrant = grant;
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify({ type: 'auth', token: grant.token }));
  }

  private isOpen(): boolean {
    return this.currentState === 'open' && this.socket !== null && this.socket.readyState === OPEN;
  }

  // ---- liveness: a ping after a quiet interval; a connection that stays silent after it is dead

  private scheduleLiveness(ms: number): void {
    this.clearTimer('livenessTimer');
    this.livenessTimer = this.timers.setTimeout(() => this.checkLiveness(), Math.max(ms, 1));
  }

  private checkLiveness(): void {
    if (!this.isOpen()) return;
    const now = this.timers.now();
    const interval = this.options.pingIntervalMs ?? 20_000;
    const timeout = this.options.pongTimeoutMs ?? 10_000;
    if (this.pingSentAt !== null) {
      if (this.lastReceived >= this.pingSentAt) {
        this.pingSentAt = null;
      } else if (now - this.pingSentAt >= timeout) {
        this.drop(1006, `no answer to a ping within ${timeout} ms`, false);
        return;
      } else {
        this.scheduleLiveness(this.pingSentAt + timeout - now);
        return;
      }
    }
    const quiet = now - this.lastReceived;
    if (quiet >= interval) this.ping(now);
    else this.scheduleLiveness(interval - quiet);
  }

  private ping(now: number): void {
    this.send({ type: 'ping' });
    this.pingSentAt = now;
    this.scheduleLiveness(this.options.pongTimeoutMs ?? 10_000);
  }

  private readonly onOffline = (): void => {
    this.offline = true;
    if (this.socket) this.drop(1006, 'the network went offline', false);
  };

  private readonly onOnline = (): void => {
    this.offline = false;
    if (this.isOpen()) {
      if (this.pingSentAt === null) this.ping(this.timers.now()); // is the old connection still there?
    } else if (this.wanted && !this.socket && this.currentState !== 'connecting') {
      this.clearTimer('reconnectTimer');
      this.backoff.reset();
      void this.open();
    }
  };

  // ---- tokens

  private onAuthenticated(frame: Frame): void {
    const grant = this.pendingGrant;
    if (!grant) return;
    this.pendingGrant = null;
    this.authExpiresAt = expiryOf(grant) ?? (typeof frame.exp === 'number' ? frame.exp * 1000 : undefined);
    if (this.authenticating) {
      this.authenticating = false;
      this.receivedSinceOpen = true;
      this.backoff.reset(); // the server accepted the connection: a later drop starts the backoff from the beginning
      this.established();
    } else {
      this.scheduleTokenRefresh();
    }
  }

  /**
   * The server refused a token. The first one of a connection: this attempt has failed, so the connection goes and
   * the next attempt (after the backoff) asks the token source again. A refresh: the connection keeps its previous
   * token, and the client asks again later (the server closes with 4401 if that token expires meanwhile).
   */
  private onTokenRefused(frame: Frame): void {
    const message = `Plank refused the token: ${String(frame.message ?? frame.code ?? '')}`;
    this.pendingGrant = null;
    this.emit('error', { code: String(frame.code ?? 'invalid_token'), message, retrying: true, frame });
    if (this.authenticating) {
      this.authenticating = false;
      this.drop(4401, message, true);
    } else {
      this.scheduleTokenRefresh(true);
    }
  }

  /**
   * Refreshes `tokenRefreshMarginMs` before the token expires (half way for a token that lives shorter); after a
   * failed refresh, half way to the expiry again.
   */
  private scheduleTokenRefresh(afterFailure = false): void {
    this.clearTimer('tokenTimer');
    if (!this.options.token || this.authExpiresAt === undefined) return;
    const left = this.authExpiresAt - this.timers.now();
    const margin = this.options.tokenRefreshMarginMs ?? 30_000;
    const delay = afterFailure ? Math.max(left / 2, 1_000) : Math.max(left - margin, left / 2, 1_000);
    this.tokenTimer = this.timers.setTimeout(() => {
      this.tokenTimer = null;
      void this.refreshToken();
    }, delay);
  }

  private async refreshToken(): Promise<void> {
    const socket = this.socket;
    let grant: TokenGrant | null;
    try {
      grant = normalizeToken(await this.options.token!());
    } catch (error) {
      if (socket !== this.socket || !this.isOpen()) return;
      this.emit('error', { code: 'token_failed', message: `token() failed: ${String(error)}`, retrying: true });
      this.scheduleTokenRefresh(true);
      return;
    }
    if (socket !== this.socket || !this.isOpen()) return;
    // No token any more: the connection keeps the one it has until the server closes it at expiry (4401).
    if (grant) this.sendAuth(grant);
  }

  // ---- losing the connection

  /** Ends the current socket without waiting for its close handshake (a dead network may never complete one). */
  private drop(code: number, reason: string, byClient: boolean): void {
    const socket = this.socket;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = null;
    try {
      if (byClient || !socket.terminate) socket.close(byClient ? 1000 : 4000, reason);
      else socket.terminate();
    } catch {
      // Closing a socket that never opened may throw; it is gone either way.
    }
    this.lost(code, reason);
  }

  private lost(code: number, reason: string): void {
    this.socket = null;
    this.clearTimer('connectTimer');
    this.clearTimer('livenessTimer');
    this.clearTimer('tokenTimer');
    this.pendingGrant = null;
    this.authenticating = false;
    this.authExpiresAt = undefined;
    for (const subscription of this.subscriptions.values()) subscription.disconnected();
    if (!this.wanted) {
      this.setState('closed', { code, reason });
    } else if (this.fatalCodes.has(code)) {
      this.fail(`Plank closed the connection with ${code}${reason ? ` (${reason})` : ''}; not reconnecting`, code, reason);
    } else {
      // 1013 and 4429: the server asks to come back later. 4401 (the token expired) asks the token source again.
      this.retry(RETRY_LATER_CODES.has(code) ? this.options.retryLaterMs ?? 5_000 : 0, code, reason);
    }
  }

  private retry(floorMs: number, code?: number, reason?: string): void {
    if (!this.wanted) return;
    if (this.offline) {
      this.setState('reconnecting', { code, reason, attempt: this.backoff.attempt });
      return; // onOnline reconnects
    }
    const delayMs = this.backoff.next(floorMs);
    this.setState('reconnecting', { code, reason, delayMs, attempt: this.backoff.attempt });
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      void this.open();
    }, delayMs);
  }

  private fail(message: string, code?: number, reason?: string): void {
    this.wanted = false;
    this.setState('failed', { code, reason });
    this.emit('error', { code: 'closed', message, retrying: false });
    for (const subscription of [...this.subscriptions.values()]) subscription.endLocally(message);
  }

  private setState(state: ConnectionState, details: Partial<StateEvent> = {}): void {
    const previous = this.currentState;
    if (state === previous && state !== 'reconnecting') return;
    this.currentState = state;
    this.emit('state', { ...details, state, previous });
  }

  private clearTimer(name: 'reconnectTimer' | 'connectTimer' | 'livenessTimer' | 'tokenTimer'): void {
    if (this[name] !== null) {
      this.timers.clearTimeout(this[name]);
      this[name] = null;
    }
  }
}

function defaultNetwork(): NetworkEvents | null {
  const candidate = globalThis as unknown as Partial<NetworkEvents> & { document?: unknown };
  return candidate.document !== undefined && typeof candidate.addEventListener === 'function'
    ? (candidate as NetworkEvents)
    : null;
}
