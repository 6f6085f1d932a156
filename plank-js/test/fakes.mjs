// A WebSocket and a clock under the test's control: the client's logic without a network or real time.

export class FakeClock {
  constructor() {
    this.time = 1_000_000;
    this.timers = new Map();
    this.nextId = 1;
  }

  setTimeout(callback, ms) {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  }

  clearTimeout(id) {
    this.timers.delete(id);
  }

  now() {
    return this.time;
  }

  /** Moves time on by `ms`, running every timer that falls due, in order. */
  advance(ms) {
    const end = this.time + ms;
    for (;;) {
      let next = null;
      for (const [id, timer] of this.timers) if (timer.at <= end && (next === null || timer.at < next[1].at)) next = [id, timer];
      if (next === null) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].callback();
    }
    this.time = end;
  }

  /** The delay of the one pending timer that is due soonest. */
  nextDelay() {
    let soonest = Infinity;
    for (const timer of this.timers.values()) soonest = Math.min(soonest, timer.at - this.time);
    return soonest;
  }
}

export function fakeWebSocket() {
  const sockets = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      this.closedWith = null;
      this.terminated = false;
      this.onopen = this.onmessage = this.onclose = this.onerror = null;
      sockets.push(this);
    }

    send(text) {
      if (this.readyState !== 1) throw new Error('not open');
      this.sent.push(JSON.parse(text));
    }

    close(code, reason) {
      this.closedWith = { code, reason };
      this.readyState = 3;
    }

    terminate() {
      this.terminated = true;
      this.readyState = 3;
    }

    // ---- the server's side

    open() {
      this.readyState = 1;
      this.onopen?.({});
    }

    frame(value) {
      this.onmessage?.({ data: JSON.stringify(value) });
    }

    serverClose(code, reason = '') {
      this.readyState = 3;
      this.onclose?.({ code, reason });
    }

    /** The messages the client sent of this type. */
    sentOf(type) {
      return this.sent.filter((message) => message.type === type);
    }
  }
  return { WebSocket: FakeSocket, sockets, last: () => sockets[sockets.length - 1] };
}

/** Lets promise callbacks and queued microtasks run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
