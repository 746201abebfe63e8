import { existsSync, promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar';
import * as yazl from 'yazl';
import { DatasetDownloadError, downloadDataset } from './download-dataset';

const JPEG_BYTES = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

function zipOf(files: Record<string, Buffer | string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of Object.entries(files)) zip.addBuffer(Buffer.from(data), name);
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

describe('downloadDataset', () => {
  let work: string;
  let server: http.Server;
  let baseUrl: string;
  const routes = new Map<string, Buffer>();

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'maskd-download-'));
    // A GitHub repository archive: the class folders sit two levels down, next to other images.
    routes.set(
      '/master.zip',
      await zipOf({
        'Face-Mask-Detection-master/README.md': '# readme',
        'Face-Mask-Detection-master/Readme_images/demo.png': JPEG_BYTES,
        'Face-Mask-Detection-master/dataset/with_mask/a.jpg': JPEG_BYTES,
        'Face-Mask-Detection-master/dataset/with_mask/b.png': JPEG_BYTES,
        'Face-Mask-Detection-master/dataset/without_mask/c.jpeg': JPEG_BYTES,
        '__MACOSX/Face-Mask-Detection-master/dataset/with_mask/._a.jpg': 'resource fork',
      }),
    );
    // A Kaggle-style set with Train/Test/Validation, each holding the two classes.
    const tree = path.join(work, 'tree');
    const sizes: Record<string, number> = { Train: 3, Validation: 2, Test: 1 };
    for (const [split, count] of Object.entries(sizes)) {
      for (const cls of ['WithMask', 'WithoutMask']) {
        await fs.mkdir(path.join(tree, 'Face Mask Dataset', split, cls), { recursive: true });
        for (let i = 0; i < count; i++) {
          await fs.writeFile(path.join(tree, 'Face Mask Dataset', split, cls, `${i}.png`), JPEG_BYTES);
        }
      }
    }
    const tarFile = path.join(work, 'set.tar.gz');
    await tar.c({ gzip: true, cwd: tree, file: tarFile }, ['Face Mask Dataset']);
    routes.set('/set.tar.gz', await fs.readFile(tarFile));
    routes.set('/page.html', Buffer.from('<html>Sign in to download</html>'));
    // Same-length rename of a harmless entry to `../evil.txt`: a zip-slip archive.
    const harmless = await zipOf({
      'xx/evil.txt': 'owned',
      'set/a/1.jpg': JPEG_BYTES,
      'set/b/2.jpg': JPEG_BYTES,
    });
    routes.set(
      '/slip.zip',
      Buffer.from(harmless.toString('latin1').replaceAll('xx/evil.txt', '../evil.txt'), 'latin1'),
    );
    // The same, with the escaping entry last: the images are written before unpacking fails.
    const lateHarmless = await zipOf({
      'set/a/1.jpg': JPEG_BYTES,
      'set/b/2.jpg': JPEG_BYTES,
      'xx/evil.txt': 'owned',
    });
    routes.set(
      '/late-slip.zip',
      Buffer.from(lateHarmless.toString('latin1').replaceAll('xx/evil.txt', '../evil.txt'), 'latin1'),
    );

    server = http.createServer((req, res) => {
      const body = routes.get(req.url ?? '');
      if (!body) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
        return;
      }
      res
        .writeHead(200, { 'Content-Length': body.length, 'Content-Type': 'application/octet-stream' })
        .end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await fs.rm(work, { recursive: true, force: true });
  });

  it('downloads a zip, unpacks it and finds the class folders', async () => {
    const outDir = path.join(work, 'github');
    const progress: number[] = [];
    const result = await downloadDataset({
      url: `${baseUrl}/master.zip`,
      outDir,
      onProgress: (received, total) => {
        progress.push(received);
        expect(total).toBe(routes.get('/master.zip')!.length);
      },
    });
    expect(result).toMatchObject({
      archiveKind: 'zip',
      extractedDir: outDir,
      datasetDir: path.join(outDir, 'Face-Mask-Detection-master', 'dataset'),
      classes: [
        { name: 'with_mask', files: 2 },
        { name: 'without_mask', files: 1 },
      ],
      otherCandidates: [],
    });
    expect(await fs.readFile(path.join(result.datasetDir, 'with_mask', 'a.jpg'))).toEqual(JPEG_BYTES);
    expect(progress.at(-1)).toBe(routes.get('/master.zip')!.length);
    // The temporary archive is gone.
    expect((await fs.readdir(work)).filter((name) => name.endsWith('.download'))).toEqual([]);
  });

  it('unpacks a tar.gz and prefers the largest class-per-folder layout', async () => {
    const outDir = path.join(work, 'kaggle');
    const result = await downloadDataset({ url: `${baseUrl}/set.tar.gz`, outDir });
    expect(result.archiveKind).toBe('tar.gz');
    expect(result.datasetDir).toBe(path.join(outDir, 'Face Mask Dataset', 'Train'));
    expect(result.classes).toEqual([
      { name: 'WithMask', files: 3 },
      { name: 'WithoutMask', files: 3 },
    ]);
    expect(result.otherCandidates.map((c) => path.basename(c.dir))).toEqual(['Validation', 'Test']);
  });

  it('accepts an archive already on disk', async () => {
    const file = path.join(work, 'local.zip');
    await fs.writeFile(file, routes.get('/master.zip')!);
    const result = await downloadDataset({ url: file, outDir: path.join(work, 'local') });
    expect(result.classes.map((c) => c.name)).toEqual(['with_mask', 'without_mask']);
    expect(existsSync(file)).toBe(true);
  });

  it('explains HTTP errors, unreachable servers and pages that are not archives', async () => {
    await expect(
      downloadDataset({ url: `${baseUrl}/gone.zip`, outDir: path.join(work, 'a') }),
    ).rejects.toThrow(/Cannot download .*gone\.zip: the server answered 404 Not Found/);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x.zip`;
    await new Promise((resolve) => closed.close(resolve));
    const offline = downloadDataset({ url: closedUrl, outDir: path.join(work, 'b') });
    await expect(offline).rejects.toThrow(DatasetDownloadError);
    await expect(offline).rejects.toThrow(
      /connection failed \(ECONNREFUSED\)\. data:download needs internet access/,
    );
    await expect(
      downloadDataset({ url: `${baseUrl}/page.html`, outDir: path.join(work, 'c') }),
    ).rejects.toThrow(/is not a zip, tar or tar\.gz archive/);
    // A failed run leaves no folder behind, so the same command can simply be run again.
    for (const name of ['a', 'b', 'c']) expect(existsSync(path.join(work, name))).toBe(false);
  });

  it('leaves nothing behind offline, and never removes a folder that existed before', async () => {
    const unresolvable = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND example.invalid'), { code: 'ENOTFOUND' }),
    });
    const offlineFetch: typeof fetch = () => Promise.reject(unresolvable);
    // Missing parents made for the download go too.
    const nested = path.join(work, 'offline', 'datasets', 'masks');
    await expect(
      downloadDataset({ url: 'https://example.invalid/set.zip', outDir: nested, fetch: offlineFetch }),
    ).rejects.toThrow(/the host name cannot be resolved \(ENOTFOUND; offline\?\)/);
    expect(existsSync(path.join(work, 'offline'))).toBe(false);

    const existing = path.join(work, 'existing');
    await fs.mkdir(existing);
    await expect(
      downloadDataset({ url: 'https://example.invalid/set.zip', outDir: existing, fetch: offlineFetch }),
    ).rejects.toThrow(DatasetDownloadError);
    // An archive that fails half-way through unpacking: its files go, the folder stays.
    await expect(downloadDataset({ url: `${baseUrl}/late-slip.zip`, outDir: existing })).rejects.toThrow(
      /invalid relative path/,
    );
    expect(await fs.readdir(existing)).toEqual([]);
    expect((await fs.readdir(work)).filter((name) => name.endsWith('.download'))).toEqual([]);

    await expect(
      downloadDataset({ url: path.join(work, 'no-such.zip'), outDir: path.join(work, 'd') }),
    ).rejects.toThrow(/is neither an http\(s\) URL nor an archive file/);
    expect(existsSync(path.join(work, 'd'))).toBe(false);
  });

  it('refuses archive entries that escape the folder, and non-empty targets', async () => {
    const outDir = path.join(work, 'slip', 'out');
    await expect(downloadDataset({ url: `${baseUrl}/slip.zip`, outDir })).rejects.toThrow(
      /invalid relative path/,
    );
    expect(existsSync(path.join(work, 'slip', 'evil.txt'))).toBe(false);
    expect(existsSync(path.join(work, 'slip'))).toBe(false);
    await expect(
      downloadDataset({ url: `${baseUrl}/master.zip`, outDir: path.join(work, 'github') }),
    ).rejects.toThrow(/is not empty/);
  });
});
