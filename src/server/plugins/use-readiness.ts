import type { Plugin } from 'graphql-yoga';

/**
 * `GET <endpoint>` answers 200 while `check` resolves true, else 503. Matched on the exact path, so the
 * other requests pay one string comparison (Yoga's useReadinessCheck tests a URLPattern on every request).
 */
export function useReadiness(endpoint: string, check: () => Promise<boolean>): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return;
      return check().then(
        (ready) => endResponse(new fetchAPI.Response(null, { status: ready ? 200 : 503 })),
        () => endResponse(new fetchAPI.Response(null, { status: 503 })),
      );
    },
  };
}
