export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** SPEC G24: emit whole seconds, `2026-01-25T10:30:00Z`. */
export function iso(ms: number): string {
  return `${new Date(Math.floor(ms / SECOND) * SECOND).toISOString().slice(0, 19)}Z`;
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}

/** Timers that `close()` and `reset()` can clear in one go; unref'd so they never hold a process open. */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();

  set(fn: () => void, ms: number): NodeJS.Timeout {
    const handle = setTimeout(() => {
      this.pending.delete(handle);
      fn();
    }, ms);
    handle.unref();
    this.pending.add(handle);
    return handle;
  }

  clear(handle: NodeJS.Timeout): void {
    clearTimeout(handle);
    this.pending.delete(handle);
  }

  clearAll(): void {
    for (const handle of this.pending) clearTimeout(handle);
    this.pending.clear();
  }
}
