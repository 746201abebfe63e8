import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import sharp from 'sharp';
import request from 'supertest';
import { hasSharedData, sharedDataPath } from '@maskd/imaging';
import { fromRaw, quadrantRgb, solidRgb } from '@maskd/imaging/testing';
import { UI_CONTENT_SECURITY_POLICY } from '../src/ui/ui-headers';
import { describeWithChromium, launchChromium } from './chromium';
import { startApp } from './fixtures';

/** Where the test leaves its screenshots, to look at the page after a run. */
const SCREENSHOT_DIR = join(tmpdir(), 'maskd-ui-e2e');

const VERDICTS: Record<string, string> = { with_mask: 'Mask', without_mask: 'No mask' };

/** A real face photo from the shared dataset when present (CI), else undefined. */
function datasetFace(): { name: string; bytes: Buffer } | undefined {
  if (!hasSharedData()) return undefined;
  const dir = sharedDataPath('datasets', 'chandrikadeb7', 'without_mask');
  const name = readdirSync(dir)
    .filter((file) => /\.jpe?g$/i.test(file))
    .sort()[0];
  return { name, bytes: readFileSync(join(dir, name)) };
}

/** A generated photo-sized image that always exists. */
function generatedPng(): Promise<Buffer> {
  const colours = [
    [200, 160, 130],
    [60, 90, 160],
    [230, 230, 220],
    [40, 40, 40],
  ] as const;
  return fromRaw(quadrantRgb(640, 480, colours))
    .png()
    .toBuffer();
}

/** The /detect request the page sends, and its answer. */
function detectResponse(page: Page): Promise<Response> {
  return page.waitForResponse((response) => new URL(response.url()).pathname === '/detect');
}

async function waitForResult(page: Page, state: 'done' | 'error'): Promise<void> {
  await page.locator(`#result-panel[data-state="${state}"]`).waitFor();
}

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).textContent()) ?? '').trim();
}

// The TypeScript program has no DOM library (it is Node code), so the few browser objects the page
// functions below touch are described by their shape.
type ImageElement = { naturalWidth: number; naturalHeight: number; decode(): Promise<void> };
declare const DataTransfer: new () => { items: { add(file: Blob): void } };

/** Pixels of the overlay canvas that are not transparent. */
async function paintedPixels(page: Page): Promise<number> {
  const png = await page
    .locator('#overlay')
    .evaluate((canvas: { toDataURL(): string }) => canvas.toDataURL().split(',')[1]);
  const { data, info } = await sharp(Buffer.from(png, 'base64'))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let painted = 0;
  for (let i = info.channels - 1; i < data.length; i += info.channels) if (data[i] > 0) painted++;
  return painted;
}

describe('web page at /ui (e2e, real app and model)', () => {
  let app: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    app = await startApp();
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });
  afterAll(() => app.close());

  describe('serving', () => {
    it('redirects /ui to /ui/ and serves the page with a strict Content-Security-Policy', async () => {
      const http = request(app.getHttpServer());
      await http.get('/ui').expect(301).expect('Location', '/ui/');
      const page = await http
        .get('/ui/')
        .expect(200)
        .expect('Content-Type', /text\/html/);
      expect(page.headers['content-security-policy']).toBe(UI_CONTENT_SECURITY_POLICY);
      expect(UI_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.text).toContain('<script type="module" src="js/main.js"></script>');
      // Everything the page loads comes from the service itself: no CDN, nothing inline.
      expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
      expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
    });

    it('serves the modules as JavaScript and answers a missing file with a 404 in the API error shape', async () => {
      const http = request(app.getHttpServer());
      await http
        .get('/ui/js/main.js')
        .expect(200)
        .expect('Content-Type', /javascript/);
      const missing = await http.get('/ui/js/nothing-here.js').expect(404);
      expect(missing.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.any(String) });
    });

    it('leaves Swagger UI at /docs working, without the page policy', async () => {
      const http = request(app.getHttpServer());
      const docs = await http
        .get('/docs')
        .expect(200)
        .expect('Content-Type', /text\/html/);
      expect(docs.text).toContain('swagger-ui');
      expect(docs.headers['content-security-policy']).toBeUndefined();
      await http.get('/docs/swagger-ui-init.js').expect(200);
    });
  });

  describeWithChromium('in Chromium', () => {
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    /** Uncaught errors, CSP violations and other console errors of the page: none are expected. */
    let problems: string[];

    beforeAll(async () => {
      // A fake camera (a generated video) and auto-accepted permission prompts, for the snapshot test.
      browser = await launchChromium([
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
      ]);
    });
    afterAll(() => browser?.close());

    beforeEach(async () => {
      context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
      page = await context.newPage();
      problems = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // Chromium logs every 4xx fetch; the error test causes one on purpose.
        const expected = /Failed to load resource: the server responded with a status of 4\d\d/;
        if (message.type() === 'error' && !expected.test(message.text())) problems.push(message.text());
      });
      await page.goto(`${baseUrl}/ui`);
      await page.locator('#service-info', { hasText: 'mask_detector' }).waitFor();
    });
    afterEach(async () => {
      await context.close();
      expect(problems).toEqual([]);
    });

    const uploadAndAnswer = async (name: string, bytes: Buffer, mimeType: string) => {
      const [response] = await Promise.all([
        detectResponse(page),
        page.setInputFiles('#file-input', { name, mimeType, buffer: bytes }),
      ]);
      return response;
    };

    it('classifies an uploaded photo and shows the verdict, timings, JSON and any face boxes', async () => {
      const face = datasetFace();
      const upload = face ?? { name: 'generated.png', bytes: await generatedPng() };
      const response = await uploadAndAnswer(upload.name, upload.bytes, face ? 'image/jpeg' : 'image/png');
      const body = await response.json();
      await waitForResult(page, 'done');

      expect(response.status()).toBe(200);
      expect(new URL(response.url()).searchParams.get('mode')).toBe('auto');
      expect(await text(page, '.verdict-label')).toBe(VERDICTS[body.prediction]);
      expect(await text(page, '.verdict-detail')).toContain(body.message);
      expect(JSON.parse(await text(page, '#json'))).toEqual(body);
      expect(await text(page, '[data-timing="round-trip"]')).toMatch(/^\d+(\.\d+)? ms$/);
      expect(await text(page, '[data-timing="inference"]')).toMatch(/^\d+(\.\d+)? ms$/);
      expect(await text(page, '[data-timing="request-id"]')).toBe(response.headers()['x-request-id']);
      expect(await page.locator('#preview-image').evaluate((img: ImageElement) => img.naturalWidth)).toBe(
        (await sharp(upload.bytes).metadata()).width,
      );

      const faces: unknown[] | undefined = body.faces;
      expect(await page.locator('#overlay').getAttribute('data-boxes')).toBe(String(faces?.length ?? 0));
      if (faces && faces.length > 0) {
        expect(await paintedPixels(page)).toBeGreaterThan(0);
        expect(await page.locator('#faces tbody tr').count()).toBe(faces.length);
      } else {
        expect(await paintedPixels(page)).toBe(0);
        if (faces === undefined) expect(await text(page, '.verdict-detail')).toContain('whole-image');
      }
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'ui-photo.png'), fullPage: true });

      // Another mode sends the same image again with that mode.
      const [again] = await Promise.all([
        detectResponse(page),
        page.check('input[name="mode"][value="whole"]'),
      ]);
      expect(new URL(again.url()).searchParams.get('mode')).toBe('whole');
      await waitForResult(page, 'done');
    });

    it('takes a generated image dropped on the page', async () => {
      const png = await generatedPng();
      const dataTransfer = await page.evaluateHandle((base64) => {
        const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
        return transfer;
      }, png.toString('base64'));
      const [response] = await Promise.all([
        detectResponse(page),
        page.dispatchEvent('#drop-zone', 'drop', { dataTransfer }),
      ]);
      const body = await response.json();
      await waitForResult(page, 'done');
      expect(await text(page, '.verdict-label')).toBe(VERDICTS[body.prediction]);
      expect(await text(page, '#preview-caption')).toContain('dropped.png · 640 × 480 px');
    });

    it("shows the API's error for a file that is not an image", async () => {
      const notes = Buffer.from('just some text, not a picture\n');
      const response = await uploadAndAnswer('notes.jpg', notes, 'image/jpeg');
      const body = await response.json();
      await waitForResult(page, 'error');

      expect(response.status()).toBe(415);
      expect(await page.locator('#error').isVisible()).toBe(true);
      expect(await text(page, '.error-title')).toBe('415 Unsupported Media Type');
      expect(await text(page, '.error-message')).toBe(body.message);
      expect(JSON.parse(await text(page, '#json'))).toEqual(body);
      expect(await page.locator('#verdict').isVisible()).toBe(false);
      expect(await text(page, '#preview-caption')).toContain('your browser cannot display it');
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'ui-error.png'), fullPage: true });
    });

    it('draws face boxes over the upright image of an EXIF-rotated photo, scaled to its displayed size', async () => {
      // The upright picture (800x1200) is grey with a yellow and a cyan block where the two "faces" are;
      // the file stores it turned on its side with EXIF orientation 6. The page's drawing is under test
      // here, so /detect answers with those two boxes until the service detects faces itself.
      const faces = [
        { box: { x: 100, y: 150, width: 250, height: 300 }, colour: [250, 220, 0], prediction: 'with_mask' },
        {
          box: { x: 450, y: 700, width: 250, height: 300 },
          colour: [0, 200, 230],
          prediction: 'without_mask',
        },
      ] as const;
      const upright = fromRaw(solidRgb(800, 1200, [128, 128, 128])).composite(
        await Promise.all(
          faces.map(async ({ box, colour }) => ({
            input: await fromRaw(solidRgb(box.width, box.height, colour))
              .png()
              .toBuffer(),
            left: box.x,
            top: box.y,
          })),
        ),
      );
      const stored = await sharp(await upright.png().toBuffer())
        .rotate(-90)
        .withMetadata({ orientation: 6 })
        .jpeg({ quality: 95 })
        .toBuffer();
      const answer = {
        success: true,
        prediction: 'without_mask',
        confidence: 0.9,
        has_mask: false,
        message: 'No face mask detected',
        model: { name: 'mask_detector', version: 'test' },
        inference_ms: 5,
        faces: faces.map(({ box, prediction }) => ({
          box,
          score: 0.95,
          prediction,
          confidence: 0.9,
          has_mask: prediction === 'with_mask',
        })),
      };
      await page.route('**/detect?*', (route) =>
        route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(answer) }),
      );

      await page.setInputFiles('#file-input', {
        name: 'rotated.jpg',
        mimeType: 'image/jpeg',
        buffer: stored,
      });
      await waitForResult(page, 'done');
      await page.locator('#preview-image').evaluate((img: ImageElement) => img.decode());

      const image = page.locator('#preview-image');
      const natural = await image.evaluate((img: ImageElement) => [img.naturalWidth, img.naturalHeight]);
      expect(natural).toEqual([800, 1200]);
      expect(await page.locator('#overlay').getAttribute('data-boxes')).toBe('2');
      expect(await page.locator('#faces tbody tr').count()).toBe(2);
      expect(await text(page, '.verdict-detail')).toContain('2 faces: 1 with a mask, 1 without');

      // Look at the rendered page: each box's left edge is drawn in its class colour, the block inside
      // it is the face's colour, the pixels just outside are the grey background.
      const shown = (await image.boundingBox())!;
      expect(shown.height).toBeLessThan(1200); // displayed smaller: the boxes had to be scaled
      const scale = shown.height / 1200;
      const shot = await sharp(await page.screenshot({ clip: shown }))
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const pixel = (x: number, y: number) => {
        const offset = (Math.round(y) * shot.info.width + Math.round(x)) * 3;
        return [...shot.data.subarray(offset, offset + 3)];
      };
      const near = (actual: number[], expected: readonly number[]) =>
        actual.every((value, channel) => Math.abs(value - expected[channel]) <= 40);
      const boxColours = { with_mask: [19, 115, 51], without_mask: [197, 34, 31] } as const;
      const seen = faces.map(({ box, colour, prediction }) => {
        const left = box.x * scale;
        const middle = (box.y + box.height / 2) * scale;
        return {
          prediction,
          edge: near(pixel(left, middle), boxColours[prediction]),
          inside: near(pixel(left + 8, middle), colour),
          outside: near(pixel(left - 8, middle), [128, 128, 128]),
        };
      });
      expect(seen).toEqual(
        faces.map(({ prediction }) => ({ prediction, edge: true, inside: true, outside: true })),
      );
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'ui-faces.png'), fullPage: true });
    });

    it('takes a camera snapshot and classifies it', async () => {
      const cameraButton = page.locator('#camera-button');
      await cameraButton.waitFor({ state: 'visible' });
      await cameraButton.click();
      // The page focuses the snapshot button once video.play() has resolved, i.e. frames are arriving. (A string
      // predicate for waitForFunction would be eval, which the page's CSP rightly blocks.)
      await page.locator('#snapshot-button:focus').waitFor();
      const [response] = await Promise.all([detectResponse(page), page.click('#snapshot-button')]);
      expect(response.status()).toBe(200);
      await waitForResult(page, 'done');
      expect(await text(page, '#preview-caption')).toMatch(/^camera-[\d-T]+\.jpg · \d+ × \d+ px/);
      await page.click('#camera-close-button');
      expect(await page.locator('#camera-panel').isVisible()).toBe(false);
    });
  });
});
