import { readFileSync } from 'node:fs';
import { INestApplication } from '@nestjs/common';
import sharp from 'sharp';
import { hasSharedData } from '@maskd/imaging';
import {
  fromRaw,
  jpegDeclaringSize,
  LABELLED_FACES,
  labelledFacePath,
  noiseRgb,
  pngDeclaringSize,
  truncated,
} from '@maskd/imaging/testing';
import { createApp } from '../src/app.factory';
import { ModelRegistryService } from '../src/model-registry/model-registry.service';

/** The real app (same factory as main.ts), initialised, with its models loaded (or failed). */
export async function startApp(env: Record<string, string | undefined> = {}): Promise<INestApplication> {
  const app = await createApp({ env: { LOG_LEVEL: 'silent', ...env } });
  await app.init();
  await app.get(ModelRegistryService).whenSettled();
  return app;
}

/** The face behind `faceJpeg()` and `validImages()` when the shared data is there: a labelled test-split photo. */
const FIXTURE_FACE = LABELLED_FACES.find((face) => face.file === 'without_mask/0_0_anhu_0025.jpg')!;

/** The label every variant of `faceJpeg()` must get, or undefined when it is noise (no shared data). */
export function faceLabel(): string | undefined {
  return hasSharedData() ? FIXTURE_FACE.label : undefined;
}

/** A face-like test image: a real, labelled face photo from the shared dataset when present, else structured noise. */
export async function faceJpeg(): Promise<Buffer> {
  if (hasSharedData()) {
    return sharp(readFileSync(labelledFacePath(FIXTURE_FACE)))
      .resize(224, 224)
      .jpeg({ quality: 90 })
      .toBuffer();
  }
  return fromRaw(noiseRgb(224, 224, 7))
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Every supported kind of image the service must accept, generated from one picture. */
export async function validImages(): Promise<Record<string, Buffer>> {
  const face = await faceJpeg();
  const base = () => sharp(face);
  const [rgba] = await Promise.all([base().ensureAlpha(0.6).png().toBuffer()]);
  return {
    'baseline.jpg': face,
    'progressive.jpg': await base().jpeg({ progressive: true }).toBuffer(),
    'cmyk.jpg': await base().toColourspace('cmyk').jpeg().toBuffer(),
    // Stored rotated; the EXIF orientation tag (6: rotate 90 degrees clockwise to display) makes it upright.
    'exif-rotated.jpg': await base().rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer(),
    'alpha.png': rgba,
    'palette.png': await base().png({ palette: true }).toBuffer(),
    'image.webp': await base().webp().toBuffer(),
    'image.gif': await base().gif().toBuffer(),
    'grey.jpg': await base().greyscale().jpeg().toBuffer(),
  };
}

/** Hostile or broken uploads, by file name (the bad-input spec lists what each must get). */
export async function badFiles(): Promise<Record<string, Buffer>> {
  const face = await faceJpeg();
  const png = await sharp(face).png().toBuffer();
  const random = Buffer.alloc(4096);
  for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
  return {
    'notes.jpg': Buffer.from('just some text, not a picture\n'),
    'doc.pdf': Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n'),
    'vector.svg': Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    ),
    'page.html': Buffer.from('<!doctype html><html><body>hi</body></html>'),
    'random.bin': random,
    'empty.jpg': Buffer.alloc(0),
    'truncated.jpg': truncated(face, 0.5),
    'truncated.png': truncated(png, 0.6),
    'bomb.png': pngDeclaringSize(50_000, 50_000),
    'bomb.jpg': jpegDeclaringSize(face, 65_000, 65_000),
    'pixel.png': await sharp(png).resize(1, 1).png().toBuffer(),
  };
}
