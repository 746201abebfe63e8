import { ArgumentsHost, Logger, UnprocessableEntityException } from '@nestjs/common';
import { InferenceOverloadedError } from '@maskd/inference';
import { HttpErrorFilter } from './http-error.filter';

/** A stand-in for the express response that records what the filter sends. */
function fakeResponse(headersSent = false) {
  const sent: { status?: number; body?: unknown; headers: Record<string, string>; ended: boolean } = {
    headers: {},
    ended: false,
  };
  const response = {
    headersSent,
    locals: {} as Record<string, unknown>,
    setHeader: (name: string, value: string) => (sent.headers[name] = value),
    status(code: number) {
      sent.status = code;
      return this;
    },
    json: (body: unknown) => (sent.body = body),
    end: () => (sent.ended = true),
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  return { host, sent, response };
}

describe('HttpErrorFilter', () => {
  const filter = new HttpErrorFilter();
  let logged: jest.SpyInstance;

  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  it('sends the one error shape and keeps the message for the request log', () => {
    const { host, sent, response } = fakeResponse();
    filter.catch(new UnprocessableEntityException('The JPEG image is corrupt or truncated.'), host);
    expect(sent.status).toBe(422);
    expect(sent.body).toEqual({
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: 'The JPEG image is corrupt or truncated.',
    });
    expect(response.locals.errorMessage).toBe('The JPEG image is corrupt or truncated.');
    expect(logged).not.toHaveBeenCalled();
  });

  it('sets Retry-After when the service is at capacity', () => {
    const { host, sent } = fakeResponse();
    filter.catch(new InferenceOverloadedError(10, 10), host);
    expect(sent.status).toBe(503);
    expect(sent.headers['Retry-After']).toBe('1');
  });

  it('logs an unexpected error with its stack but answers without it', () => {
    const { host, sent } = fakeResponse();
    const error = new Error('secret internals at /srv/app');
    filter.catch(error, host);
    expect(sent.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
    });
    expect(JSON.stringify(sent.body)).not.toContain('secret');
    expect(logged).toHaveBeenCalledWith(error.stack);
  });

  it('only ends a response whose headers are already sent', () => {
    const { host, sent } = fakeResponse(true);
    filter.catch(new Error('late'), host);
    expect(sent).toEqual({ headers: {}, ended: true });
  });
});
