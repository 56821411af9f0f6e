import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/**
 * The rooms of src/, lowest first: a module may import from its own room and from rooms below it,
 * never above (server -> schema -> data -> upstream -> HTTP; events feed the data layer and the
 * schema's subscriptions; telemetry observes the rooms below it and is wired in by the server).
 */
const ROOMS = ['upstream', 'data', 'events', 'schema', 'telemetry', 'server'] as const;
/** Files at the top of src/ that every room may use; they may use nothing above upstream/. */
const SHARED = new Set(['config.ts', 'logger.ts', 'errors.ts', 'ids.ts']);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative specifiers of every static, type-only and dynamic import of a file, resolved to src/ paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms),
    ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
  ].map((m) => m[1]);
  return specifiers
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(SRC, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
}

const roomOf = (path: string) => path.split('/')[0];
const rank = (path: string) => ROOMS.indexOf(roomOf(path) as (typeof ROOMS)[number]);

const files = filesUnder(SRC).map((f) => relative(SRC, f));
const arrows = files.flatMap((from) => importsOf(join(SRC, from)).map((to) => ({ from, to })));

describe('the arrows between the rooms of src/', () => {
  it('finds the rooms and their imports', () => {
    for (const room of ROOMS.filter((r) => r !== 'events' && r !== 'telemetry'))
      expect(files.some((f) => roomOf(f) === room)).toBe(true);
    expect(arrows.length).toBeGreaterThan(50);
  });

  it('never runs back up: no room imports from a room above it', () => {
    const upward = arrows.filter(({ from, to }) => {
      if (roomOf(from) === 'sandbox' || from === 'main.ts') return false;
      if (SHARED.has(to)) return false;
      if (SHARED.has(from)) return rank(to) > 0 || !to.includes('/');
      return rank(from) >= 0 && rank(to) > rank(from);
    });
    expect(upward.map(({ from, to }) => `${from} -> ${to}`)).toEqual([]);
  });

  it('keeps the sandbox apart: it imports nothing of the gateway, and the gateway only its entry', () => {
    const crossing = arrows.filter(
      ({ from, to }) =>
        (roomOf(from) === 'sandbox') !== (roomOf(to) === 'sandbox') &&
        !(from === 'main.ts' && to === 'sandbox/index.ts'),
    );
    expect(crossing.map(({ from, to }) => `${from} -> ${to}`)).toEqual([]);
  });

  it('keeps every file of src/ under about 300 lines', () => {
    const long = files
      .map((f) => ({ f, lines: readFileSync(join(SRC, f), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > 320);
    expect(long).toEqual([]);
  });
});
