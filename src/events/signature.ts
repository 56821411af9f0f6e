import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a delivery's signature was refused; logged, never sent back (the answer is a bare 401). */
export type SignatureFailure = 'missing' | 'malformed' | 'stale' | 'mismatch';

export interface SignatureCheck {
  /** The `whsec_…` secrets of every HueChat webhook subscription pointing here (two during a rotation). */
  secrets: readonly string[];
  /** Largest accepted `abs(now - t)`, in seconds. */
  toleranceS: number;
  /** Unix milliseconds; a parameter so tests can move the clock. */
  now?: () => number;
}

const TIMESTAMP = /^\d{1,12}$/;
const V1 = /^[0-9a-f]{64}$/;

/** `t` and every `v1` of the header; other schemes (a future `v2`) are ignored, as HueChat may add them. */
function parseHeader(header: string): { t: string; v1: Buffer[] } | undefined {
  let t: string | undefined;
  const v1: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const name = part.slice(0, eq).trim();
    const value = part
      .slice(eq + 1)
      .trim()
      .toLowerCase();
    if (name === 't') {
      if (t !== undefined || !TIMESTAMP.test(value)) return undefined;
      t = value;
    } else if (name === 'v1') {
      if (!V1.test(value)) return undefined;
      v1.push(Buffer.from(value, 'hex'));
    }
  }
  return t === undefined || v1.length === 0 ? undefined : { t, v1 };
}

/**
 * SPEC §8.3: `X-HueChat-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each v1 an HMAC-SHA256 of
 * `<t>.<raw body>` keyed with a whole `whsec_…` secret. The digest is computed over the bytes as they
 * arrived (never re-serialised JSON) and compared in constant time; any secret matching any v1 passes,
 * so HueChat may sign with the old and the new secret while a rotation is under way.
 */
export function verifySignature(
  header: string | undefined,
  rawBody: Buffer,
  check: SignatureCheck,
): SignatureFailure | undefined {
  if (header === undefined || header.trim() === '') return 'missing';
  const parsed = parseHeader(header);
  if (!parsed) return 'malformed';
  const { t, v1: given } = parsed;
  const nowS = (check.now?.() ?? Date.now()) / 1000;
  if (Math.abs(nowS - Number(t)) > check.toleranceS) return 'stale';
  for (const secret of check.secrets) {
    // Over the timestamp exactly as sent (leading zeros and all) and the raw bytes.
    const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
    // Every candidate is compared, so the time taken says nothing about which one matched.
    let ok = false;
    for (const candidate of given) ok = timingSafeEqual(candidate, expected) || ok;
    if (ok) return undefined;
  }
  return 'mismatch';
}
