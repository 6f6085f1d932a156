import type { BackoffOptions } from './types.js';

/**
 * Exponential backoff with full jitter: attempt n waits a random time in [d/2, d] with d = initial * factor^n,
 * capped at max. Half the delay is kept fixed so that a crowd of clients spreads out without any of them
 * hammering a server that just came back.
 */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  attempt = 0;

  constructor(options: BackoffOptions | undefined, private readonly random: () => number) {
    this.initialMs = options?.initialMs ?? 500;
    this.maxMs = options?.maxMs ?? 30_000;
    this.factor = options?.factor ?? 2;
  }

  /** The delay before the next attempt, at least `floorMs`; counts the attempt. */
  next(floorMs = 0): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * Math.pow(this.factor, this.attempt));
    this.attempt++;
    const delay = ceiling / 2 + (this.random() * ceiling) / 2;
    return Math.round(Math.max(floorMs, delay));
  }

  reset(): void {
    this.attempt = 0;
  }
}
