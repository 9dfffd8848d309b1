/**
 * Durable storage for the simulated demo estate, so that a stopped demo instance is still stopped after a
 * restart. Records are opaque JSON here; the demo provider validates their shape.
 */
export interface EstateMeta {
  /** Identifies what generated the estate (seed + size, or the estate file's content hash). */
  fingerprint: string;
  source: string;
  seed: number | null;
}

export interface EstateRecord {
  key: string;
  data: unknown;
  /** Increases on every write; updates are conditional on it. */
  version: number;
}

export interface EstateStore {
  meta(): Promise<EstateMeta | undefined>;
  /** Replaces the whole estate atomically. */
  replaceAll(meta: EstateMeta, records: { key: string; data: unknown }[]): Promise<void>;
  list(): Promise<EstateRecord[]>;
  get(key: string): Promise<EstateRecord | undefined>;
  /** The records of these keys that exist, in one read (no round trip per key). */
  getMany(keys: readonly string[]): Promise<EstateRecord[]>;
  /** How many records have a key starting with `prefix`, without reading them. */
  count(prefix: string): Promise<number>;
  insert(key: string, data: unknown): Promise<EstateRecord>;
  /** Writes only if the stored version is still `expectedVersion`; returns the new record, or undefined on conflict. */
  update(key: string, expectedVersion: number, data: unknown): Promise<EstateRecord | undefined>;
  remove(key: string): Promise<boolean>;
}
