import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { describeWithSharedData, LABELLED_FACES, labelledFacePath } from '@maskd/imaging/testing';
import { badFiles, faceLabel, startApp, validImages } from './fixtures';

const detectionShape = {
  success: true,
  prediction: expect.stringMatching(/^(with_mask|without_mask)$/),
  confidence: expect.any(Number),
  has_mask: expect.any(Boolean),
  message: expect.any(String),
  mode: 'auto',
  faces: expect.any(Array),
  model: { name: 'mask_detector', version: expect.any(String) },
  inference_ms: expect.any(Number),
  detection_ms: expect.any(Number),
};

/** The served model's decision threshold on P(without_mask) (read from GET /models/mask_detector). */
let threshold: number;

/** An answer in the default (auto) mode: the faces found in the photo, or the whole image when none was. */
function expectDetection(body: Record<string, unknown>) {
  expect(body).toEqual(detectionShape);
  // Confidence is the probability of the predicted class, so it lies on that class's side of the threshold.
  expect(body.confidence).toBeGreaterThanOrEqual(
    body.prediction === 'without_mask' ? threshold : 1 - threshold,
  );
  expect(body.confidence).toBeLessThanOrEqual(1);
  expect(body.has_mask).toBe(body.prediction === 'with_mask');
  const verdict = body.has_mask ? 'face mask detected' : 'no face mask detected';
  if ((body.faces as unknown[]).length === 0) {
    expect(body.message).toBe(`No face found, so the whole image was classified: ${verdict}`);
  } else {
    expect(body.message).toMatch(body.has_mask ? /^Face mask detected/ : /^No face mask/);
  }
}

/** P(without_mask) back from a detection result. */
const pWithoutMask = (body: { prediction: string; confidence: number }) =>
  body.prediction === 'without_mask' ? body.confidence : 1 - body.confidence;

describe('detection (e2e, real app and model)', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let images: Record<string, Buffer>;

  beforeAll(async () => {
    app = await startApp();
    http = request(app.getHttpServer());
    images = await validImages();
    ({ threshold } = (await http.get('/models/mask_detector').expect(200)).body);
  });
  afterAll(() => app.close());

  it.each([
    'baseline.jpg',
    'progressive.jpg',
    'cmyk.jpg',
    'exif-rotated.jpg',
    'alpha.png',
    'palette.png',
    'image.webp',
    'image.gif',
    'grey.jpg',
  ])('POST /detect classifies %s', async (name) => {
    const response = await http.post('/detect').attach('file', images[name], name).expect(200);
    expectDetection(response.body);
    // Every variant shows the same labelled face (noise without the shared data: any label).
    if (faceLabel()) expect(response.body.prediction).toBe(faceLabel());
  });

  it('decides the type from the bytes, not the name or the declared Content-Type', async () => {
    const response = await http
      .post('/detect')
      .attach('file', images['image.webp'], { filename: 'photo.txt', contentType: 'text/plain' })
      .expect(200);
    expectDetection(response.body);
  });

  it('applies the EXIF orientation: the rotated file scores like the upright one (whole image)', async () => {
    // The whole image, so both run the same crop; face boxes of rotated photos are checked in faces.e2e-spec.
    const upright = await http.post('/detect?mode=whole').attach('file', images['baseline.jpg'], 'a.jpg');
    const rotated = await http.post('/detect?mode=whole').attach('file', images['exif-rotated.jpg'], 'b.jpg');
    expect(pWithoutMask(rotated.body)).toBeCloseTo(pWithoutMask(upright.body), 1);
  });

  it('POST /detect-batch keeps upload order, fails bad files alone and matches single results', async () => {
    const bad = await badFiles();
    const upload: Array<[string, Buffer]> = [
      ['baseline.jpg', images['baseline.jpg']],
      ['notes.jpg', bad['notes.jpg']],
      ['alpha.png', images['alpha.png']],
      ['truncated.jpg', bad['truncated.jpg']],
      ['bomb.png', bad['bomb.png']],
      ['image.webp', images['image.webp']],
      ['empty.jpg', bad['empty.jpg']],
    ];
    let call = http.post('/detect-batch');
    for (const [name, bytes] of upload) call = call.attach('files', bytes, name);
    const { body } = await call.expect(200);

    expect(body).toMatchObject({ success: true, count: 7, failed: 4 });
    expect(body.results.map((result: { filename: string }) => result.filename)).toEqual(
      upload.map(([name]) => name),
    );
    expect(
      body.results.map(
        (result: { success: boolean; error?: { statusCode: number } }) => result.error?.statusCode ?? 200,
      ),
    ).toEqual([200, 415, 200, 422, 413, 200, 400]);
    for (const index of [1, 3, 4, 6]) {
      expect(body.results[index]).toEqual({
        filename: upload[index][0],
        success: false,
        error: { statusCode: expect.any(Number), error: expect.any(String), message: expect.any(String) },
      });
    }
    for (const index of [0, 2, 5]) {
      const { filename, ...detection } = body.results[index];
      expect(filename).toBe(upload[index][0]);
      expectDetection(detection);
      const single = await http.post('/detect').attach('file', upload[index][1], filename).expect(200);
      expect(pWithoutMask(detection)).toBeCloseTo(pWithoutMask(single.body), 4);
    }
  });

  it('answers many concurrent requests, each with its own result', async () => {
    const names = Object.keys(images);
    const singles = await Promise.all(
      names.map((name) =>
        http
          .post('/detect')
          .attach('file', images[name], name)
          .then((response) => response.body),
      ),
    );
    const concurrent = await Promise.all(
      [...names, ...names, ...names].map((name) =>
        http
          .post('/detect')
          .attach('file', images[name], name)
          .then((response) => [name, response.body] as const),
      ),
    );
    for (const [name, body] of concurrent) {
      expectDetection(body);
      expect(pWithoutMask(body)).toBeCloseTo(pWithoutMask(singles[names.indexOf(name)]), 4);
    }
  });

  describeWithSharedData('labelled face photos from the test split', () => {
    it.each(['auto', 'whole'])('labels every one right in one batch (mode %s)', async (mode) => {
      let call = http.post(`/detect-batch?mode=${mode}`);
      for (const face of LABELLED_FACES) {
        call = call.attach('files', readFileSync(labelledFacePath(face)), basename(face.file));
      }
      const { body } = await call.expect(200);
      expect(
        body.results.map((r: { filename: string; prediction: string }) => [r.filename, r.prediction]),
      ).toEqual(LABELLED_FACES.map((face) => [basename(face.file), face.label]));
      for (const { filename: _filename, ...result } of body.results) {
        if (mode === 'auto') expectDetection(result);
        expect(result.confidence).toBeGreaterThan(0.9);
      }
    });
  });
});
