import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { badFiles, faceJpeg, startApp } from './fixtures';

const MAX_FILE_BYTES = 200_000;
const MAX_BATCH = 4;

/** The one error shape, exactly: no stack, no extra fields. */
function expectError(response: request.Response, status: number, message: RegExp) {
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: { statusCode: status, error: expect.any(String), message: expect.stringMatching(message) },
  });
  expect(response.headers['content-type']).toMatch(/^application\/json/);
}

describe('bad input (e2e, real app and model)', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let face: Buffer;
  let bad: Record<string, Buffer>;

  beforeAll(async () => {
    bad = await badFiles();
    app = await startApp({ MAX_FILE_BYTES: String(MAX_FILE_BYTES), MAX_BATCH: String(MAX_BATCH) });
    http = request(app.getHttpServer());
    face = await faceJpeg();
  });
  afterAll(() => app.close());

  describe('bad files on POST /detect (sent as image/jpeg: the bytes decide)', () => {
    it.each<[string, string, number, RegExp]>([
      ['notes.jpg', 'a text file named .jpg', 415, /^Unsupported image format/],
      ['doc.pdf', 'PDF bytes', 415, /^Unsupported image format/],
      ['vector.svg', 'an SVG', 415, /^Unsupported image format/],
      ['page.html', 'an HTML page', 415, /^Unsupported image format/],
      ['random.bin', 'random bytes', 415, /^Unsupported image format/],
      ['empty.jpg', 'a 0-byte file', 400, /empty \(0 bytes\)/],
      ['truncated.jpg', 'a truncated JPEG', 422, /^The JPEG image is corrupt or truncated/],
      ['truncated.png', 'a truncated PNG', 422, /^The PNG image is corrupt or truncated/],
      ['bomb.png', 'a PNG declaring 50000x50000 pixels', 413, /too large: 50000x50000 pixels/],
      ['bomb.jpg', 'a JPEG declaring 65000x65000 pixels', 413, /too large: 65000x65000 pixels/],
      ['pixel.png', 'a 1x1 image', 422, /too small: 1x1 pixels/],
    ])('%s (%s) -> %i', async (name, _what, status, message) => {
      const response = await http
        .post('/detect')
        .attach('file', bad[name], { filename: name, contentType: 'image/jpeg' });
      expectError(response, status, message);
    });
  });

  describe('bad requests on POST /detect', () => {
    it('400 for a form without a file', async () => {
      expectError(await http.post('/detect').field('note', 'no file here'), 400, /No file uploaded.*'file'/);
    });

    it('400 for a file in the wrong field', async () => {
      const response = await http.post('/detect').attach('image', face, 'face.jpg');
      expectError(response, 400, /^Unexpected file field 'image'/);
    });

    it('400 for two files', async () => {
      const response = await http.post('/detect').attach('file', face, 'a.jpg').attach('file', face, 'b.jpg');
      expectError(response, 400, /^Only one file is accepted.*\/detect-batch/);
    });

    it('413 for a file over MAX_FILE_BYTES', async () => {
      const big = Buffer.concat([face, Buffer.alloc(MAX_FILE_BYTES + 1 - face.length)]);
      const response = await http.post('/detect').attach('file', big, 'big.jpg');
      expectError(response, 413, /^File 'big.jpg' is larger than the limit of 0.2 MB \(200000 bytes\)$/);
    });

    it('400 for a request without a body', async () => {
      expectError(await http.post('/detect'), 400, /No file uploaded/);
    });

    it('415 for a JSON body instead of multipart', async () => {
      const response = await http.post('/detect').send({ file: face.toString('base64') });
      expectError(response, 415, /^Expected a multipart\/form-data upload, got application\/json/);
    });

    it('415 for raw image bytes with a wrong Content-Type', async () => {
      const response = await http.post('/detect').set('Content-Type', 'image/jpeg').send(face);
      expectError(response, 415, /got image\/jpeg/);
    });

    it('400 for a multipart body without a boundary', async () => {
      const response = await http.post('/detect').set('Content-Type', 'multipart/form-data').send('garbage');
      expectError(response, 400, /^Malformed multipart body/);
    });

    it('400 for a multipart body cut off in the middle of the file', async () => {
      const body = Buffer.concat([
        Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'),
        face.subarray(0, 100),
      ]);
      const response = await http
        .post('/detect')
        .set('Content-Type', 'multipart/form-data; boundary=XyZ')
        .send(body);
      expectError(response, 400, /^Malformed multipart body \(Unexpected end of form\)/);
    });
  });

  describe('bad requests on POST /detect-batch', () => {
    it('400 for a form without files', async () => {
      expectError(await http.post('/detect-batch').field('x', '1'), 400, /No file uploaded.*'files'/);
    });

    it("400 for files in the single-file field 'file'", async () => {
      const response = await http.post('/detect-batch').attach('file', face, 'a.jpg');
      expectError(response, 400, /^Unexpected file field 'file'/);
    });

    it('413 for more than MAX_BATCH files', async () => {
      let call = http.post('/detect-batch');
      for (let i = 0; i <= MAX_BATCH; i++) call = call.attach('files', face, `f${i}.jpg`);
      expectError(await call, 413, /^Too many files: at most 4 per request$/);
    });

    it('413 for one file over the limit', async () => {
      const big = Buffer.alloc(MAX_FILE_BYTES + 10);
      const response = await http
        .post('/detect-batch')
        .attach('files', face, 'ok.jpg')
        .attach('files', big, 'big.jpg');
      expectError(response, 413, /larger than the limit/);
    });
  });

  it('404 in the error shape for unknown routes and models', async () => {
    expectError(await http.get('/nope'), 404, /Cannot GET \/nope/);
    expectError(await http.post('/'), 404, /Cannot POST \//);
    expectError(await http.get('/models/nope'), 404, /^Model 'nope' not found \(available: /);
  });

  it('is still healthy and serving afterwards', async () => {
    await http.get('/health').expect(200, { status: 'healthy', model_loaded: true });
    const response = await http.post('/detect').attach('file', face, 'face.jpg').expect(200);
    expect(response.body.success).toBe(true);
  });
});
