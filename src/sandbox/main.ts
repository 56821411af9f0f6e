import { type Sandbox, SandboxConfigError, sandboxOptionsFromEnv, startSandbox } from './index.js';

const log = (line: string) => process.stdout.write(`${line}\n`);

function exitWith(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

let options: ReturnType<typeof sandboxOptionsFromEnv>;
try {
  options = sandboxOptionsFromEnv(process.env);
} catch (err) {
  if (err instanceof SandboxConfigError) exitWith(err.message);
  throw err;
}

let sandbox: Sandbox;
try {
  sandbox = await startSandbox({ ...options, log });
} catch (err) {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    exitWith(`Port ${options.port ?? 4010} is in use: set SANDBOX_PORT to another port`);
  throw err;
}

const [first] = sandbox.keys;
log(`HueChat sandbox (REST API v2) listening on ${sandbox.url}`);
for (const key of sandbox.keys) {
  const access = key.scopes === undefined ? 'full access' : key.scopes.join(' ');
  const limit = key.rateLimitPerMinute === undefined ? 'unlimited' : `${key.rateLimitPerMinute}/min`;
  log(`  API key ${key.key}  (${key.organizationId}, ${access}, ${limit})`);
}
if (first !== undefined) log(`Try: curl -H 'X-API-Key: ${first.key}' ${sandbox.url}/contacts?limit=2`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void sandbox.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
