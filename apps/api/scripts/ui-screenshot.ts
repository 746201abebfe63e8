/**
 * Screenshot of the web page after it classified an image, for the README (docs/figures/ui.png).
 * Drives a running service (`npm start`) in headless Chromium:
 *   npx tsx apps/api/scripts/ui-screenshot.ts [--url http://localhost:8000] [--image photo.jpg]
 *     [--mode auto] [--out docs/figures/ui.png] [--width 1280] [--dark]
 * Without --image it sends a generated illustration. Only images you may publish belong in the
 * repository: never one from ../shared.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { launchChromium } from '../test/chromium';

/** Two drawn faces, one masked, so that the screenshot needs no photo of a real person. */
function illustration(): Promise<Buffer> {
  const face = (cx: number, masked: boolean) => `
    <circle cx="${cx}" cy="300" r="150" fill="#e8b98f"/>
    <path d="M${cx - 150} 250 q150 -230 300 0 q-20 -120 -150 -130 q-130 10 -150 130z" fill="#3b2a20"/>
    <circle cx="${cx - 55}" cy="270" r="14" fill="#222"/><circle cx="${cx + 55}" cy="270" r="14" fill="#222"/>
    ${
      masked
        ? `<path d="M${cx - 110} 320 q110 -40 220 0 v60 q-110 80 -220 0z" fill="#7fb3e6"/>
           <path d="M${cx - 110} 330 l-40 -40 M${cx + 110} 330 l40 -40" stroke="#5a8fc4" stroke-width="6"/>`
        : `<path d="M${cx - 45} 370 q45 35 90 0" stroke="#8a4b3a" stroke-width="8" fill="none"/>`
    }`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="600">
    <rect width="960" height="600" fill="#cfe3f2"/><rect y="470" width="960" height="130" fill="#9fb8c9"/>
    ${face(270, true)}${face(690, false)}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

async function main(): Promise<void> {
  const options = new Command()
    .option('--url <url>', 'the running service', 'http://localhost:8000')
    .option('--image <file>', 'the image to send (default: a generated illustration)')
    .option('--mode <mode>', 'auto, faces or whole', 'auto')
    .option('--out <file>', 'where to write the PNG', 'docs/figures/ui.png')
    .option('--width <px>', 'viewport width', '1280')
    .option('--dark', 'dark colour scheme')
    .parse()
    .opts<{ url: string; image?: string; mode: string; out: string; width: string; dark?: boolean }>();

  const image = options.image
    ? { name: basename(options.image), buffer: readFileSync(options.image) }
    : { name: 'illustration.jpg', buffer: await illustration() };
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({
      viewport: { width: Number(options.width), height: 900 },
      colorScheme: options.dark ? 'dark' : 'light',
    });
    const page = await context.newPage();
    await page.goto(new URL('/ui/', options.url).href);
    await page.check(`input[name="mode"][value="${options.mode}"]`);
    await page.setInputFiles('#file-input', { ...image, mimeType: 'application/octet-stream' });
    await page.locator('#result-panel[data-state="done"], #result-panel[data-state="error"]').waitFor();
    await page
      .locator('#preview-image')
      .evaluate((img: { decode(): Promise<void> }) => img.decode().catch(() => undefined));
    await page.screenshot({ path: options.out, fullPage: true });
    console.log(`${options.out}: ${(await page.locator('#status').textContent())?.trim()}`);
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
