import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxState } from './domain/state.js';
import type { Sandbox, SandboxOptions } from './domain/types.js';
import { createRequestHandler } from './http/server.js';

export { ApiError } from './domain/errors.js';
export type {
  AdvanceTarget,
  Channel,
  EmbedContact,
  FaultOptions,
  FaultRule,
  InboundInput,
  MessageJson,
  MessageStatus,
  MessageType,
  RecordedRequest,
  Sandbox,
  SandboxKey,
  SandboxOptions,
} from './domain/types.js';
export { DEFAULT_KEYS } from './domain/types.js';
export { signature as webhookSignature } from './domain/webhooks.js';
export { SandboxConfigError, sandboxOptionsFromEnv } from './env.js';

/** Starts the in-memory HueChat REST API v2 sandbox and resolves once it is listening. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const state = new SandboxState(options);
  const server = createServer({ keepAliveTimeout: 5_000 }, createRequestHandler(state));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      state.close();
      reject(err);
    };
    server.once('error', onError);
    server.listen(options.port ?? 4010, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url: `${origin}/v2`,
    origin,
    port,
    keys: state.keys,
    get requests() {
      return state.requests;
    },
    clearRequests: () => {
      state.requests = [];
    },
    reset: () => state.reset(),
    setLatency: (latencyMs, jitterMs) => state.setLatency(latencyMs, jitterMs),
    setFaults: (faults) => state.setFaults(faults),
    inbound: (apiKey, input) => state.inbound(apiKey, input),
    advance: (apiKey, target) => state.advance(apiKey, target),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        state.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
