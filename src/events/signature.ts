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

const HEADER = /^t=(\d{1,12})((?:,v1=[0-9a-f]{64})+)$/;

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
  const match = HEADER.exec(header.trim().toLowerCase());
  if (!match) return 'malformed';
  const t = Number(match[1]);
  const nowS = (check.now?.() ?? Date.now()) / 1000;
  if (Math.abs(nowS - t) > check.toleranceS) return 'stale';
  const given = match[2]
    .split(',v1=')
    .slice(1)
    .map((hex) => Buffer.from(hex, 'hex'));
  for (const secret of check.secrets) {
    const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
    // Every candidate is compared, so the time taken says nothing about which one matched.
    let ok = false;
    for (const candidate of given) ok = timingSafeEqual(candidate, expected) || ok;
    if (ok) return undefined;
  }
  return 'mismatch';
}
