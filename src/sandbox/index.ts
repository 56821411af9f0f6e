import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxState } from './domain/sandbox.js';
import type { Sandbox, SandboxOptions } from './domain/types.js';
import { createRequestHandler } from './http/server.js';
import { Traffic } from './http/traffic.js';

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
  const traffic = new Traffic(options, state.seed);
  const server = createServer({ keepAliveTimeout: 5_000 }, createRequestHandler(state, traffic));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      state.close();
      traffic.close();
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
      return traffic.requests;
    },
    clearRequests: () => {
      traffic.requests = [];
    },
    reset: () => {
      state.reset();
      traffic.reset();
    },
    setLatency: (latencyMs, jitterMs) => traffic.setLatency(latencyMs, jitterMs),
    setFaults: (faults) => traffic.setFaults(faults),
    inbound: (apiKey, input) => state.inbound(apiKey, input),
    advance: (apiKey, target) => state.advance(apiKey, target),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        state.close();
        traffic.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
