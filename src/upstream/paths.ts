/** A query string's parameters; undefined ones are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/**
 * Puts a value into one path segment. `@` stays raw (SPEC §4.1 shows emails raw in the path);
 * everything else that could change the route (`/`, `?`, `#`, `%`, `+`, `..`) is percent-encoded.
 */
export function encodeSegment(value: string): string {
  const encoded = encodeURIComponent(value).replaceAll('%40', '@');
  // `.` and `..` survive encodeURIComponent and would be resolved as dot-segments by the server.
  return encoded === '.' || encoded === '..' ? encoded.replaceAll('.', '%2E') : encoded;
}

/** A route template split once: literal text at even indexes, parameter names at odd ones. */
const routeParts = new Map<string, string[]>();

function partsOf(route: string): string[] {
  let parts = routeParts.get(route);
  if (!parts) {
    // `/contact/{id}/conversations` → ['/contact/', 'id', '/conversations']
    parts = route.split(/\{(\w+)\}/);
    routeParts.set(route, parts);
  }
  return parts;
}

/** The concrete path of a route template (`/contact/{id}`) under the API's base path. */
export function buildPath(
  basePath: string,
  route: string,
  params: Record<string, string> | undefined,
  query?: Query,
): string {
  const parts = partsOf(route);
  let path = basePath + parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i];
    const value = params?.[name];
    // An empty segment would turn `/webhooks/{id}` into the list route: never build it.
    if (value === undefined || value === '') throw new Error(`empty path parameter ${name} for ${route}`);
    path += encodeSegment(value) + parts[i + 1];
  }
  if (query) {
    const search = new URLSearchParams();
    for (const k in query) {
      const v = query[k];
      if (v !== undefined) search.set(k, String(v));
    }
    const qs = search.toString();
    if (qs) path += `?${qs}`;
  }
  return path;
}
