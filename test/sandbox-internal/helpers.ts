import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.js';

export const KEY = 'sk_test_sandbox';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export function client(sandbox: Sandbox, key: string | null = KEY) {
  return async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Answer<T>> => {
    const headers: Record<string, string> = {};
    if (key !== null) headers['X-API-Key'] = key;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: (text === '' ? undefined : JSON.parse(text)) as T,
    };
  };
}

export function start(options: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ port: 0, ...options });
}

export interface Page<T> {
  data: T[];
  pagination: { limit: number; offset: number; total: number; has_more: boolean };
}
