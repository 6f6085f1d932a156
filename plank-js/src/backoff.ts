import type { BackoffOptions } from './types.js';

/**
 * Exponential backoff with full jitter: attempt n waits a random time in [d/2, d] with d = initial * factor^n,
 * capped at max. Half the delay is kept fixed so that a crowd of clients spreads out without any of them
 * hammering a server that just came back. A floor (the server asked to come back later: 1013, 4429) is jittered
 * too, in [floor, 1.5 floor]: a crowd closed at once does not come back at once.
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
    const floor = floorMs > 0 ? floorMs + (this.random() * floorMs) / 2 : 0;
    return Math.round(Math.max(floor, delay));
  }

  reset(): void {
    this.attempt = 0;
  }
}
