import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Ids a caller (proxy, client) may pass on; anything else is replaced so logs cannot be forged. */
const ACCEPTED_ID = /^[\w.:-]{1,128}$/;

/** The caller's X-Request-Id when it looks sane, else a new UUID; echoed in the response header. */
export function assignRequestId(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && ACCEPTED_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader(REQUEST_ID_HEADER, id);
  return id;
}
