/*
 * Preprocessing latency: decode + toModelInput(224) for the image kinds the API sees.
 * Run: npx tsx libs/imaging/src/bench/preprocess-bench.ts [iterations]
 * Uses real photos from ../shared when present (MASKD_SHARED_DIR), generated ones otherwise.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { sharp } from '../sharp-instance';
import { decodeImage, hasSharedData, preprocessImage, sharedDataPath, toModelInput } from '../index';
import { fromRaw, noiseRgb } from '../testing/synthetic-images';

const SIZE = 224;
const iterations = Number(process.argv[2] ?? 50);

interface Sample {
  name: string;
  bytes: Buffer;
}

async function samples(): Promise<Sample[]> {
  const dataset = (...parts: string[]) => readFileSync(sharedDataPath('datasets', 'chandrikadeb7', ...parts));
  const face = hasSharedData()
    ? dataset('without_mask', '327.jpg')
    : await fromRaw(noiseRgb(720, 720)).jpeg({ quality: 80 }).toBuffer();
  const frame = hasSharedData()
    ? dataset('with_mask', 'with_mask083.jpg')
    : await fromRaw(noiseRgb(1280, 720)).jpeg({ quality: 80 }).toBuffer();
  const photo = await sharp(frame).resize(4032, 3024, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer();
  const describe = async (bytes: Buffer) => {
    const { width, height } = await sharp(bytes).metadata();
    return `${width}x${height} JPEG, ${Math.round(bytes.length / 1024)} KB`;
  };
  return [
    { name: `face crop ${await describe(face)}`, bytes: face },
    { name: `frame ${await describe(frame)}`, bytes: frame },
    { name: `phone photo ${await describe(photo)}`, bytes: photo },
  ];
}

async function time(run: () => Promise<unknown>): Promise<{ median: number; p95: number }> {
  for (let i = 0; i < 3; i++) await run();
  const ms: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run();
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  return {
    median: ms[Math.floor(ms.length / 2)],
    p95: ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.95))],
  };
}

async function main(): Promise<void> {
  console.log(
    `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, concurrency ${sharp.concurrency()}`,
  );
  console.log(`shared data: ${hasSharedData() ? 'yes' : 'no (generated images)'}, ${iterations} runs each\n`);
  const rows: Record<string, string>[] = [];
  for (const { name, bytes } of await samples()) {
    const fmt = (t: { median: number; p95: number }) => `${t.median.toFixed(2)} / ${t.p95.toFixed(2)}`;
    rows.push({
      image: name,
      decode: fmt(await time(() => decodeImage(bytes))),
      'decode + toModelInput (crop path)': fmt(
        await time(async () => toModelInput(await decodeImage(bytes), { size: SIZE })),
      ),
      'preprocessImage (whole-image path)': fmt(await time(() => preprocessImage(bytes, { size: SIZE }))),
    });
  }
  console.log(`ms per image at ${SIZE}x${SIZE}, median / p95:`);
  console.table(rows);
}

void main();
