/**
 * Reference lists that every page of a kind shows (landlords in a filter, aid types, instructors),
 * kept a few seconds per process instead of being read again on each page. An entry names the
 * entity types it is made of; any audited change of such an entity in this process drops it at
 * once (AuditService calls `changed`), and the time limit bounds what another replica may show.
 */
export class ReferenceCache {
  private readonly entries = new Map<string, { until: number; dependsOn: readonly string[]; value: Promise<unknown> }>();

  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(deps: { ttlMs: number; now?: () => number }) {
    this.ttlMs = deps.ttlMs;
    this.now = deps.now ?? (() => performance.now());
  }

  get<T>(key: string, dependsOn: readonly string[], load: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return load();
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return hit.value as Promise<T>;
    const value = load();
    this.entries.set(key, { until: this.now() + this.ttlMs, dependsOn, value });
    // a failed load is not kept
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  /** An entity of this type changed: every entry made of it is read again next time. */
  changed(entityType: string): void {
    for (const [key, entry] of this.entries) if (entry.dependsOn.includes(entityType)) this.entries.delete(key);
  }
}
