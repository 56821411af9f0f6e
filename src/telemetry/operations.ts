import { OTHER_OPERATION } from './names.js';

/** Longest operation name used as a label or span name; longer ones fold. */
const MAX_NAME_LENGTH = 100;

/**
 * Operation names as label values: the first `cap` distinct names are kept, anonymous operations and
 * every later name fold into one value, so a client that names each request differently cannot grow
 * the metrics without bound.
 */
export class OperationNames {
  private readonly seen = new Set<string>();

  constructor(private readonly cap: number) {}

  fold(name: string | undefined): string {
    if (name === undefined || name.length > MAX_NAME_LENGTH) return OTHER_OPERATION;
    if (this.seen.has(name)) return name;
    if (this.seen.size >= this.cap) return OTHER_OPERATION;
    this.seen.add(name);
    return name;
  }
}
