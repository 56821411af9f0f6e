import type { Runtime } from '../domain/runtime.js';
import type { OrgStore } from '../domain/store.js';
import type { SandboxKey } from '../domain/types.js';
import type { Query } from './request.js';

/** What a route handler is given: the organisation of the key, its path parameters, query and body. */
export interface RequestContext {
  rt: Runtime;
  org: OrgStore;
  key: SandboxKey;
  /** Decoded path parameters, in pattern order. */
  params: string[];
  query: Query;
  body: unknown;
}

export interface Reply {
  status: number;
  /** Omitted for 204. */
  body?: unknown;
}

export type Handler = (ctx: RequestContext) => Reply;
