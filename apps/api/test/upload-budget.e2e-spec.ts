import { request as httpRequest, IncomingMessage, ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { UploadBudget } from '../src/common/upload/upload-budget';
import { maxUploadRequestBytes } from '../src/common/upload/upload-limits';
import { faceJpeg, startApp } from './fixtures';

const MAX_FILE_BYTES = 200_000;
const MAX_BATCH = 2;
const BOUNDARY = 'maskd-upload-budget';

/** Starts a raw upload with the given headers and first bytes, and leaves it open; resolves on the answer. */
function openUpload(
  port: number,
  path: string,
  headers: Record<string, string | number>,
  firstBytes: string,
): {
  request: ClientRequest;
  answer: Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }>;
} {
  const request = httpRequest({
    host: '127.0.0.1',
    port,
    path,
    method: 'POST',
    headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
  });
  const answer = new Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }>(
    (resolve, reject) => {
      request.on('error', reject);
      request.on('response', (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body, headers: response.headers }),
        );
      });
    },
  );
  request.flushHeaders();
  request.write(firstBytes);
  return { request, answer };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

describe('upload budget (e2e, real app)', () => {
  let app: INestApplication;
  let budget: UploadBudget;
  let port: number;
  const largestBatch = maxUploadRequestBytes(MAX_BATCH, MAX_FILE_BYTES);
  const filePart = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;

  beforeAll(async () => {
    app = await startApp({
      MAX_FILE_BYTES: String(MAX_FILE_BYTES),
      MAX_BATCH: String(MAX_BATCH),
      // Room for exactly one full /detect-batch request.
      MAX_UPLOAD_BYTES_IN_FLIGHT: String(largestBatch),
    });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
    budget = app.get(UploadBudget);
  });
  afterAll(() => app.close());

  it('answers 413 before reading a body longer than any valid upload', async () => {
    const single = maxUploadRequestBytes(1, MAX_FILE_BYTES);
    const upload = openUpload(port, '/detect', { 'Content-Length': single + 1 }, filePart);
    const answer = await upload.answer;
    upload.request.destroy();
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message:
        `Request body of ${single + 1} bytes is larger than a valid upload can be ` +
        `(${single} bytes: one file of at most ${MAX_FILE_BYTES} bytes and the form around them)`,
    });
    expect(budget.reservedBytes).toBe(0);
  });

  it('holds the most a request can be for a chunked upload, answers 503 + Retry-After while full, then recovers', async () => {
    const chunked = openUpload(
      port,
      '/detect-batch',
      { 'Transfer-Encoding': 'chunked' },
      filePart + 'x'.repeat(1000),
    );
    chunked.answer.catch(() => undefined); // cut off below
    await until(() => budget.reservedBytes === largestBatch);

    const face = await faceJpeg();
    const refused = await request(app.getHttpServer()).post('/detect').attach('file', face, 'face.jpg');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.stringMatching(
        /^The service is at capacity \(uploads in flight hold \d+ MB of \d+ MB, this one may need \d+ MB\); retry in 1 s$/,
      ),
    });
    expect(budget.reservedBytes).toBe(largestBatch);

    // The client gives up mid-upload: its reservation is returned, once.
    chunked.request.destroy();
    await until(() => budget.reservedBytes === 0);

    const http = request(app.getHttpServer());
    await http.post('/detect').attach('file', face, 'face.jpg').expect(200);
    await http
      .post('/detect-batch')
      .attach('files', face, 'a.jpg')
      .attach('files', face, 'b.jpg')
      .expect(200);
    await http.post('/detect').attach('file', Buffer.from('not an image'), 'x.jpg').expect(415);
    await until(() => budget.reservedBytes === 0);
  });
});
