import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, test } from 'vitest';
import codegenConfig from '../codegen.js';
import { printedSchemas } from '../src/schema/print.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('checked-in artifacts', () => {
  test.each(Object.entries(printedSchemas()))(
    'schema/%s matches the code (run `npm run print-schema`)',
    (file, sdl) => {
      expect(read(`schema/${file}`)).toBe(sdl);
    },
  );

  test('the public schema carries no federation fields', () => {
    const sdl = read('schema/schema.graphql');
    expect(sdl).not.toMatch(/_entities|_service|@key|_Any/);
  });

  test('the subgraph schema marks Contact and Conversation as entities keyed by id', () => {
    const sdl = read('schema/subgraph.graphql');
    expect(sdl).toMatch(/type Contact implements Node\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Conversation implements Node\s+@key\(fields: "id"\)/);
    expect(sdl).not.toMatch(/type Message[^{]*@key/);
  });

  test('the typed documents in test/gql are what codegen makes of test/operations (run `npm run codegen`)', async () => {
    const outputs = await generate({ ...codegenConfig, silent: true }, false);
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) expect(read(output.filename), output.filename).toBe(output.content);
  }, 60_000);
});
