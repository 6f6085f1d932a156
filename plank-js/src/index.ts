import { PlankClient } from './client.js';
import type { PlankOptions } from './types.js';

export { PlankClient } from './client.js';
export type { ClientEvents } from './client.js';
export { Subscription } from './subscription.js';
export type { SubscriptionEvents } from './subscription.js';
export { LiveView } from './view.js';
export type { ViewChange, ViewEvents, ViewOptions } from './view.js';
export { canonicalKey } from './keys.js';
export { indexedDbStore } from './store.js';
export type { StoredView, ViewStore } from './store.js';
export type * from './types.js';

/**
 * Connects to Plank's WebSocket endpoint: `ws://host:8080/plank/ws`, or in a browser a path such as `/plank/ws`
 * (http and https URLs are turned into ws and wss).
 */
export function connect(url: string, options?: PlankOptions): PlankClient {
  return new PlankClient(url, options);
}
