import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDataPath } from '@maskd/imaging';
import { describeWithSharedData } from '@maskd/imaging/testing';
import {
  faceSizeBucket,
  faceSizePx,
  loadVocDataset,
  parseVocXml,
  VOC_MASK_LABELS,
  VocParseError,
} from './voc';

const TWO_FACES = `<?xml version="1.0"?>
<annotation>
  <folder>images</folder>
  <filename>group.jpg</filename>
  <size><width>400</width><height>300</height><depth>3</depth></size>
  <object>
    <name> with_mask </name><pose>Unspecified</pose>
    <truncated>0</truncated><occluded>1</occluded><difficult>0</difficult>
    <bndbox><xmin>42</xmin><ymin>54</ymin><xmax>94</xmax><ymax>110</ymax></bndbox>
  </object>
  <object>
    <name>mask_weared_incorrect</name>
    <truncated>1</truncated><difficult>1</difficult>
    <bndbox><xmin>368.5</xmin><ymin>112</ymin><xmax>400</xmax><ymax>151</ymax></bndbox>
  </object>
</annotation>`;

describe('parseVocXml', () => {
  it('reads the file name, image size and every object with its box and flags', () => {
    expect(parseVocXml(TWO_FACES)).toEqual({
      filename: 'group.jpg',
      width: 400,
      height: 300,
      objects: [
        {
          label: 'with_mask',
          box: { x: 42, y: 54, width: 52, height: 56 },
          difficult: false,
          truncated: false,
          occluded: true,
        },
        {
          label: 'mask_weared_incorrect',
          box: { x: 368.5, y: 112, width: 31.5, height: 39 },
          difficult: true,
          truncated: true,
          occluded: false,
        },
      ],
    });
  });

  it('returns one object as a list and no objects as an empty list', () => {
    const one =
      '<annotation><object><name>without_mask</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></object></annotation>';
    expect(parseVocXml(one).objects).toHaveLength(1);
    expect(
      parseVocXml('<annotation><filename>a.jpg</filename><size><width>0</width></size></annotation>'),
    ).toEqual({
      filename: 'a.jpg',
      width: undefined,
      height: undefined,
      objects: [],
    });
  });

  it.each([
    ['malformed XML', '<annotation><object>', /not well-formed/],
    ['another root', '<root/>', /no <annotation>/],
    [
      'a missing coordinate',
      '<annotation><object><name>x</name><bndbox><xmin>1</xmin></bndbox></object></annotation>',
      /<ymin> is missing/,
    ],
    [
      'an empty box',
      '<annotation><object><name>x</name><bndbox><xmin>5</xmin><ymin>1</ymin><xmax>5</xmax><ymax>4</ymax></bndbox></object></annotation>',
      /empty box/,
    ],
    ['a nameless object', '<annotation><object><bndbox/></object></annotation>', /no <name>/],
  ])('rejects %s with a VocParseError naming the source', (_what, xml, message) => {
    expect(() => parseVocXml(xml, 'x.xml')).toThrow(VocParseError);
    expect(() => parseVocXml(xml, 'x.xml')).toThrow(message);
    expect(() => parseVocXml(xml, 'x.xml')).toThrow(/^x\.xml/);
  });
});

describe('faceSizePx', () => {
  it('is the side of the square with the same area', () => {
    expect(faceSizePx({ width: 32, height: 32 })).toBe(32);
    expect(faceSizePx({ width: 16, height: 64 })).toBe(32);
  });
});

describe('faceSizeBucket', () => {
  it('puts 32 and 64 in the middle bucket', () => {
    expect([31.9, 32, 64, 64.1].map(faceSizeBucket)).toEqual(['<32', '32-64', '32-64', '>64']);
  });
});

describe('loadVocDataset', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maskd-voc-'));
    await mkdir(join(dir, 'images'));
    await mkdir(join(dir, 'annotations'));
    await writeFile(join(dir, 'images', 'group.jpg'), 'not decoded here');
    await writeFile(join(dir, 'images', 'b.png'), 'not decoded here');
    await writeFile(join(dir, 'annotations', 'a.xml'), TWO_FACES);
    // Wrong <filename>: falls back to the annotation's base name.
    await writeFile(join(dir, 'annotations', 'b.xml'), TWO_FACES.replace('group.jpg', 'elsewhere.jpg'));
    await writeFile(join(dir, 'annotations', 'c.xml'), '<annotation><object>');
    await writeFile(join(dir, 'annotations', 'd.xml'), TWO_FACES.replace('group.jpg', 'missing.jpg'));
    await writeFile(join(dir, 'annotations', 'notes.txt'), 'ignored');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('pairs annotations with images, sorted, and lists the unusable ones with a reason', async () => {
    const dataset = await loadVocDataset(dir);
    expect(dataset.samples.map((s) => [s.id, s.imagePath])).toEqual([
      ['a', join(dir, 'images', 'group.jpg')],
      ['b', join(dir, 'images', 'b.png')],
    ]);
    expect(dataset.skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/^c\.xml: not well-formed/),
      expect.stringMatching(/^no image for d\.xml/),
    ]);
  });

  it('refuses a folder without images/ and annotations/', async () => {
    await expect(loadVocDataset(join(dir, 'images'))).rejects.toThrow(
      /expected the folders images\/ and annotations\//,
    );
  });
});

describeWithSharedData('loadVocDataset on the shared scene sets', () => {
  it('reads all 165 andrewmvd photos with their three labels', async () => {
    const dataset = await loadVocDataset(sharedDataPath('datasets', 'andrewmvd_scenes_dev'));
    expect(dataset.samples).toHaveLength(165);
    expect(dataset.skipped).toEqual([]);
    const labels = new Set(dataset.samples.flatMap((s) => s.annotation.objects.map((o) => o.label)));
    expect([...labels].sort()).toEqual([...VOC_MASK_LABELS].sort());
    const faces = dataset.samples.flatMap((s) => s.annotation.objects);
    expect(faces.length).toBeGreaterThan(700);
    for (const sample of dataset.samples) {
      for (const { box } of sample.annotation.objects) {
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(sample.annotation.width! + 1);
        expect(box.y + box.height).toBeLessThanOrEqual(sample.annotation.height! + 1);
      }
    }
  });

  it('reads the formatcom photos (two labels)', async () => {
    const dataset = await loadVocDataset(sharedDataPath('datasets', 'formatcom_scenes'));
    expect(dataset.samples).toHaveLength(61);
    expect(dataset.skipped).toEqual([]);
  });
});
