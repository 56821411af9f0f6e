import type { Plugin } from 'graphql-yoga';
import { gatewayError } from '../../errors.js';

/**
 * How deep `variables` and `extensions` may nest. Nothing in the schema needs more than a few levels
 * (contact metadata is a free-form map, SPEC §4.1); thousands of levels would overflow the stack of
 * every recursive walk after this one (coercion, validation, JSON.stringify to HueChat).
 */
export const MAX_JSON_DEPTH = 64;

const badRequest = (message: string) => gatewayError('BAD_REQUEST', message, undefined, 400);

/** Deeper than `limit`, walked without recursion so the check itself cannot overflow. */
function deeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Which of a GET's (or a form POST's) JSON parameters does not parse, for the refusal's message. */
function malformedParameter(params: URLSearchParams): string | undefined {
  for (const name of ['variables', 'extensions']) {
    const text = params.get(name);
    if (!text) continue;
    try {
      JSON.parse(text);
    } catch {
      return name;
    }
  }
  return undefined;
}

/**
 * A request Yoga's parsers cannot read becomes a 400 that says what was wrong, never a masked 500:
 * `variables` or `extensions` on a GET (or a urlencoded POST) that are not JSON, parameters that are
 * not objects, and JSON nested deeper than MAX_JSON_DEPTH.
 */
export function useMalformedRequests(): Plugin {
  return {
    onRequestParse: ({ request, requestParser, setRequestParser }) => {
      if (!requestParser) return;
      const parse = requestParser;
      setRequestParser(async (req) => {
        let parsed: Awaited<ReturnType<typeof parse>>;
        try {
          parsed = await parse(req);
        } catch (error) {
          if (!(error instanceof SyntaxError) && !(error instanceof RangeError)) throw error;
          const query =
            request.method === 'GET'
              ? request.url.slice(request.url.indexOf('?') + 1)
              : await req
                  .clone()
                  .text()
                  .catch(() => '');
          const name = malformedParameter(new URLSearchParams(query));
          throw badRequest(
            name
              ? `The "${name}" parameter is not valid JSON.`
              : 'The request parameters could not be read as GraphQL over HTTP.',
          );
        }
        for (const params of Array.isArray(parsed) ? parsed : [parsed]) {
          if (params instanceof Response) continue;
          for (const name of ['variables', 'extensions'] as const) {
            const value: unknown = params[name];
            if (value === undefined || value === null) continue;
            if (typeof value !== 'object' || Array.isArray(value))
              throw badRequest(`The "${name}" parameter must be a JSON object.`);
            if (deeperThan(value, MAX_JSON_DEPTH))
              throw badRequest(`The "${name}" parameter is nested more than ${MAX_JSON_DEPTH} levels deep.`);
          }
        }
        return parsed;
      });
    },
  };
}
