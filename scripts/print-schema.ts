import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printedSchemas } from '../src/schema/print.js';

// Writes schema/*.graphql from the code; `test/schema.test.ts` fails when they are stale.
for (const [file, sdl] of Object.entries(printedSchemas())) {
  writeFileSync(fileURLToPath(new URL(`../schema/${file}`, import.meta.url)), sdl);
  process.stdout.write(`wrote schema/${file}\n`);
}
