import { formatManifestCsv, parseManifestCsv, type ManifestRow } from './manifest';

describe('manifest CSV', () => {
  const rows: ManifestRow[] = [
    {
      path: 'with_mask/a, "quoted".jpg',
      className: 'with_mask',
      split: 'train',
      sha256: 'a'.repeat(64),
      bytes: 1234,
      width: 100,
      height: 80,
      format: 'jpeg',
      group: 'gaaaaaaaaaaaa',
    },
    {
      path: 'without_mask/bad.png',
      className: 'without_mask',
      split: 'dropped',
      sha256: 'b'.repeat(64),
      bytes: 10,
      format: 'png',
      reason: 'corrupt',
    },
  ];

  it('writes the fixed columns and reads back what it wrote', () => {
    const text = formatManifestCsv(rows);
    expect(text.split('\n')[0]).toBe('path,class,split,sha256,bytes,width,height,format,group,reason');
    expect(text.split('\n')[2]).toBe(
      `without_mask/bad.png,without_mask,dropped,${'b'.repeat(64)},10,,,png,,corrupt`,
    );
    expect(parseManifestCsv(text)).toEqual(
      rows.map((row) => ({
        width: undefined,
        height: undefined,
        group: undefined,
        reason: undefined,
        ...row,
      })),
    );
  });

  it('rejects other columns, splits and hashes', () => {
    expect(() => parseManifestCsv('file,label\nx,y\n')).toThrow(/expected the columns/);
    const text = formatManifestCsv(rows);
    expect(() => parseManifestCsv(text.replace(',train,', ',training,'))).toThrow(
      /line 2: unknown split 'training'/,
    );
    expect(() => parseManifestCsv(text.replace('b'.repeat(64), 'xyz'))).toThrow(/line 3: invalid sha256/);
  });
});
