// npm run data:download -- --url <archive URL> --out <dir>
import { Command } from 'commander';
import { downloadDataset } from '../download-dataset';
import { runCli } from './run-cli';

const program = new Command('data:download')
  .description(
    'Download a dataset archive (zip, tar, tar.gz) and find its class folders. Needs internet access. Examples:\n' +
      '  https://github.com/chandrikadeb7/Face-Mask-Detection/archive/refs/heads/master.zip\n' +
      '  https://www.kaggle.com/api/v1/datasets/download/omkargurav/face-mask-dataset',
  )
  .requiredOption('--url <url>', 'http(s) URL of the archive (or the path of a downloaded one)')
  .requiredOption('--out <dir>', 'new or empty folder to unpack into');

runCli(async () => {
  const options = program.parse().opts();
  let lastReport = 0;
  const result = await downloadDataset({
    url: options.url,
    outDir: options.out,
    onProgress: (received, total) => {
      if (Date.now() - lastReport < 2000) return;
      lastReport = Date.now();
      const mb = (n: number) => (n / 1024 ** 2).toFixed(1);
      process.stderr.write(`downloaded ${mb(received)}${total ? ` of ${mb(total)}` : ''} MB\n`);
    },
  });
  console.log(
    [
      `Unpacked the ${result.archiveKind} archive into ${result.extractedDir}`,
      `Class folders in ${result.datasetDir}:`,
      ...result.classes.map((c) => `  ${c.name}: ${c.files} images`),
      ...(result.otherCandidates.length
        ? ['Other folders with the same layout:', ...result.otherCandidates.map((c) => `  ${c.dir}`)]
        : []),
      `Next: npm run data:prepare -- --src "${result.datasetDir}" --out <prepared dir>`,
    ].join('\n'),
  );
});
