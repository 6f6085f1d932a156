import type { Row } from './types.js';

/** What a persisted view keeps: whose rows they are, the rows, and the seq they are complete up to. */
export interface StoredView {
  subject: string;
  seq: number;
  rows: Row[];
}

/** Where persisted views live: IndexedDB in a browser (`indexedDbStore()`), anything with these three methods elsewhere. */
export interface ViewStore {
  load(key: string): Promise<StoredView | undefined>;
  save(key: string, view: StoredView): Promise<void>;
  remove(key: string): Promise<void>;
}

type Idb = {
  open(name: string, version: number): any;
};

/**
 * Views in IndexedDB: one database (`plank-views` by default), one object store, one record per view key. Nothing is
 * kept where there is no IndexedDB (Node): loads find nothing and saves do nothing.
 */
export function indexedDbStore(database = 'plank-views'): ViewStore {
  const idb = (globalThis as { indexedDB?: Idb }).indexedDB;
  let opened: Promise<any> | null = null;
  const db = (): Promise<any> => {
    opened ??= new Promise((resolve, reject) => {
      const request = idb!.open(database, 1);
      request.onupgradeneeded = () => request.result.createObjectStore('views');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return opened;
  };
  const run = async <T>(mode: 'readonly' | 'readwrite', work: (store: any) => any): Promise<T> => {
    const tx = (await db()).transaction('views', mode);
    const request = work(tx.objectStore('views'));
    return new Promise<T>((resolve, reject) => {
      tx.oncomplete = () => resolve(request?.result as T);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  };
  if (!idb) {
    return { load: async () => undefined, save: async () => undefined, remove: async () => undefined };
  }
  return {
    load: (key) => run<StoredView | undefined>('readonly', (store) => store.get(key)),
    save: (key, view) => run<void>('readwrite', (store) => store.put(view, key)),
    remove: (key) => run<void>('readwrite', (store) => store.delete(key)),
  };
}
