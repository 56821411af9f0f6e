import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { isInputObjectType, isInterfaceType, isObjectType } from 'graphql';
import { describe, expect, test } from 'vitest';
import codegenConfig from '../codegen.js';
import { schema } from '../src/schema/index.js';
import { printedSchemas } from '../src/schema/print.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('checked-in artifacts', () => {
  test.each(Object.entries(printedSchemas()))(
    'schema/%s matches the code (run `npm run print-schema`)',
    (file, sdl) => {
      expect(read(`schema/${file}`)).toBe(sdl);
    },
  );

  test('every type, field and argument of the public schema has a description (GraphiQL shows them)', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Boolean', 'ID', 'Float'].includes(type.name))
        continue;
      if (!type.description) missing.push(type.name);
      if (!isObjectType(type) && !isInterfaceType(type) && !isInputObjectType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : []) {
          if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  test('the public schema carries no federation fields', () => {
    const sdl = read('schema/schema.graphql');
    expect(sdl).not.toMatch(/_entities|_service|_Entity|_Any|@key|@link|link__|federation__|FieldSet/);
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
