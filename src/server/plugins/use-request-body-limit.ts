import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Content-Length is one non-negative integer; anything else (lists, signs, spaces) is refused. */
const CONTENT_LENGTH = /^\d+$/;

/**
 * How much of a refused body is read and thrown away before the 413 goes out. A client that writes its
 * whole body before it reads (most do) sees the 413 instead of a reset; a body past this is answered
 * with `Connection: close`, so the rest of the upload costs nothing but the socket.
 */
export const DISCARD_BYTES = 8 * 1024 * 1024;

const tooLarge = (limit: number, close: boolean) =>
  new GraphQLError(`The request body is larger than the ${limit} bytes this gateway accepts`, {
    extensions: {
      code: 'REQUEST_ENTITY_TOO_LARGE',
      http: { status: 413, ...(close ? { headers: { connection: 'close' } } : {}) },
    },
  });

/** Reads and drops the rest of a body, at most `bound` bytes; true when the body ended within it. */
async function discard(reader: ReadableStreamDefaultReader<Uint8Array>, bound: number): Promise<boolean> {
  let read = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      return false; // the client went away mid-body
    }
    if (chunk.done) return true;
    read += chunk.value.byteLength;
    if (read > bound) return false;
  }
}

/** Refuses a body known to be over the limit, once what the client sent is read (up to the bound). */
async function refuse(request: Request, limit: number): Promise<never> {
  const ended = request.body
    ? await discard((request.body as ReadableStream<Uint8Array>).getReader(), DISCARD_BYTES)
    : true;
  throw tooLarge(limit, !ended);
}

const badLength = () =>
  new GraphQLError('The Content-Length header is not a byte count', {
    extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
  });

/** Reads a body of unknown length, refusing it as soon as it passes the limit (the rest is not read). */
async function bufferWithin(request: Request, limit: number, fetchAPI: { Request: typeof Request }) {
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      const ended = await discard(reader, DISCARD_BYTES);
      throw tooLarge(limit, !ended);
    }
    chunks.push(value);
  }
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: Buffer.concat(chunks),
  });
}

/**
 * The request body limit, without a stream in the way of every request. Node's HTTP parser hands over
 * exactly Content-Length bytes, so a request that declares its length is checked by the header alone;
 * only a body of unknown length (chunked) is counted as it is read. A refused body is read and dropped
 * up to DISCARD_BYTES before the 413, so the client that is still uploading gets its answer. Yoga's
 * built-in limit pipes every body through a TransformStream, which cost about a third of a millisecond
 * of CPU per request; it is turned off (`maxRequestBodySize: false`) where this plugin is used.
 */
export function useRequestBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const length = request.headers.get('content-length');
      if (length !== null) {
        if (!CONTENT_LENGTH.test(length)) throw badLength();
        if (Number(length) > limit) setRequestParser((req) => refuse(req, limit));
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser(async (req) => parse(await bufferWithin(req, limit, fetchAPI)));
    },
  };
}
