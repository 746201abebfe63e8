import type { IncomingMessage, ServerResponse } from 'node:http';
import { assignRequestId } from './request-id';

function call(header?: string) {
  const headers: Record<string, string> = {};
  const request = { headers: header === undefined ? {} : { 'x-request-id': header } } as IncomingMessage;
  const response = {
    setHeader: (name: string, value: string) => (headers[name] = value),
  } as unknown as ServerResponse;
  const id = assignRequestId(request, response);
  return { id, echoed: headers['X-Request-Id'] };
}

describe('assignRequestId', () => {
  it("keeps the caller's id and echoes it", () => {
    expect(call('req-42.a:b')).toEqual({ id: 'req-42.a:b', echoed: 'req-42.a:b' });
  });

  it.each([undefined, '', 'has spaces', 'x'.repeat(129), 'line\nbreak'])(
    'replaces %p with a new UUID',
    (header) => {
      const { id, echoed } = call(header);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(echoed).toBe(id);
    },
  );
});
