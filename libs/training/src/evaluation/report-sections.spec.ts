import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_REPORT_HEADER, readSection, upsertSection, writeReportSection } from './report-sections';

describe('upsertSection', () => {
  const document = [
    '# Report',
    '',
    'Intro written by hand.',
    '',
    '<!-- section:classifier-test -->',
    'old classifier numbers',
    '<!-- /section:classifier-test -->',
    '',
    '<!-- section:scenes -->',
    'scene numbers',
    '<!-- /section:scenes -->',
    '',
    'Footer.',
    '',
  ].join('\n');

  it('replaces only the named section, keeping everything else byte for byte', () => {
    const updated = upsertSection(document, 'classifier-test', 'new\nnumbers\n');
    expect(updated).toBe(document.replace('old classifier numbers', 'new\nnumbers'));
    expect(readSection(updated, 'classifier-test')).toBe('new\nnumbers');
    expect(readSection(updated, 'scenes')).toBe('scene numbers');
  });

  it('appends a new section at the end', () => {
    const updated = upsertSection(document, 'classifier-validation', 'more');
    expect(updated.startsWith(document.replace(/\n+$/, ''))).toBe(true);
    expect(
      updated.endsWith(
        '\n\n<!-- section:classifier-validation -->\nmore\n<!-- /section:classifier-validation -->\n',
      ),
    ).toBe(true);
  });

  it('is idempotent', () => {
    const once = upsertSection(document, 'scenes', 'x');
    expect(upsertSection(once, 'scenes', 'x')).toBe(once);
  });

  it('does not treat a section whose id starts with another id as the same section', () => {
    const updated = upsertSection(document, 'classifier', 'separate');
    expect(readSection(updated, 'classifier-test')).toBe('old classifier numbers');
    expect(readSection(updated, 'classifier')).toBe('separate');
  });

  it('accepts bodies with characters that are special in replacement strings', () => {
    expect(readSection(upsertSection(document, 'scenes', "cost $& $1 $'"), 'scenes')).toBe("cost $& $1 $'");
  });

  it('refuses unbalanced or duplicated markers instead of guessing', () => {
    const broken = document.replace('<!-- /section:scenes -->', '');
    expect(() => upsertSection(broken, 'scenes', 'x')).toThrow(/fix them by hand/);
    const reversed = '<!-- /section:a -->\n<!-- section:a -->\n';
    expect(() => upsertSection(reversed, 'a', 'x')).toThrow(/comes before/);
  });

  it('rejects ids that could not be found again', () => {
    expect(() => upsertSection('', 'has space', 'x')).toThrow(/Invalid report section id/);
  });
});

describe('writeReportSection', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'maskd-report-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates the file with a header, then updates sections in place', async () => {
    const path = join(dir, 'docs', 'evaluation_report.md');
    await writeReportSection(path, 'classifier-test', 'first');
    await writeReportSection(path, 'scenes', 'scenes');
    await writeReportSection(path, 'classifier-test', 'second');
    const text = await readFile(path, 'utf8');
    expect(text.startsWith(DEFAULT_REPORT_HEADER)).toBe(true);
    expect(readSection(text, 'classifier-test')).toBe('second');
    expect(text.indexOf('section:classifier-test')).toBeLessThan(text.indexOf('section:scenes'));
  });

  it('keeps hand-written text of an existing report', async () => {
    const path = join(dir, 'report.md');
    await writeFile(path, '# Mine\n\nNotes.\n');
    await writeReportSection(path, 'x', 'body');
    expect(await readFile(path, 'utf8')).toBe(
      '# Mine\n\nNotes.\n\n<!-- section:x -->\nbody\n<!-- /section:x -->\n',
    );
  });
});
