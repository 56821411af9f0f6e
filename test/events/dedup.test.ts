import { describe, expect, it } from 'vitest';
import { MemoryDeduplicator } from '../../src/events/dedup.js';

describe('de-duplication in one process', () => {
  it('claims an id once within the window, and again after it', async () => {
    let now = 0;
    const dedup = new MemoryDeduplicator(10, 1_000, () => now);
    expect(await dedup.claim('evt_a')).toBe(true);
    expect(await dedup.claim('evt_a')).toBe(false);
    now = 999;
    expect(await dedup.claim('evt_a')).toBe(false);
    now = 1_001;
    expect(await dedup.claim('evt_a')).toBe(true);
  });

  it('gives back a released id', async () => {
    const dedup = new MemoryDeduplicator();
    expect(await dedup.claim('evt_b')).toBe(true);
    await dedup.release('evt_b');
    expect(await dedup.claim('evt_b')).toBe(true);
  });

  it('keeps at most its bound of ids, dropping the oldest first', async () => {
    const dedup = new MemoryDeduplicator(3);
    for (const id of ['evt_1', 'evt_2', 'evt_3', 'evt_4']) expect(await dedup.claim(id)).toBe(true);
    expect(dedup.size).toBe(3);
    expect(await dedup.claim('evt_4')).toBe(false);
    expect(await dedup.claim('evt_2')).toBe(false);
    // The oldest went to make room.
    expect(await dedup.claim('evt_1')).toBe(true);
    expect(dedup.size).toBe(3);
  });
});
