import { readFile } from 'node:fs/promises';
import { preprocessImage } from '@maskd/imaging';
import { describeWithSharedData, LABELLED_FACES, labelledFacePath } from '@maskd/imaging/testing';
import { interpretProbability } from './mask-prediction';
import { modelInputOptions, verifyModel } from './model-card';
import { ModelContractError } from './model-signature';
import { OnnxMaskClassifier } from './onnx-mask-classifier';
import { OTHER_MODEL, SHIPPED_MASK_MODEL, syntheticInputs } from './testing/model-fixtures';

describe('OnnxMaskClassifier (shipped model)', () => {
  let classifier: OnnxMaskClassifier;

  beforeAll(async () => {
    classifier = await OnnxMaskClassifier.load(SHIPPED_MASK_MODEL, { intraOpThreads: 1 });
  });
  afterAll(() => classifier.close());

  it('reports the contract signature', () => {
    expect(classifier.signature).toEqual({
      inputs: [{ name: 'input', type: 'float32', shape: [expect.any(String), 224, 224, 3] }],
      outputs: [{ name: 'probability', type: 'float32', shape: [expect.any(String), 1] }],
    });
  });

  it('returns one probability per input, the same alone or batched', async () => {
    const inputs = syntheticInputs(5);
    const batched = await classifier.predict(inputs);
    expect(batched).toHaveLength(5);
    for (const p of batched) {
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
    }
    for (let i = 0; i < inputs.length; i++) {
      const [alone] = await classifier.predict([inputs[i]]);
      expect(alone).toBeCloseTo(batched[i], 5);
    }
    await expect(classifier.predict([])).resolves.toEqual([]);
  });

  it('rejects inputs of the wrong size', async () => {
    await expect(classifier.predict([new Float32Array(10)])).rejects.toThrow(
      'input 0 has 10 values, expected 150528 (224x224x3)',
    );
  });

  describeWithSharedData('on labelled face photos from the test split', () => {
    it('gives each its label at the card threshold, confidently', async () => {
      const { card } = await verifyModel(SHIPPED_MASK_MODEL);
      const inputs = await Promise.all(
        LABELLED_FACES.map(
          async (face) =>
            (await preprocessImage(await readFile(labelledFacePath(face)), modelInputOptions(card))).input,
        ),
      );
      const predictions = (await classifier.predict(inputs)).map((p) => interpretProbability(p, card));
      expect(predictions.map((p) => p.label)).toEqual(LABELLED_FACES.map((face) => face.label));
      for (const { confidence } of predictions) expect(confidence).toBeGreaterThan(0.99);
    });
  });

  it('refuses a model with another contract, and a missing file', async () => {
    await expect(OnnxMaskClassifier.load(OTHER_MODEL)).rejects.toThrow(ModelContractError);
    await expect(OnnxMaskClassifier.load(OTHER_MODEL)).rejects.toThrow(/model has no input named 'input'/);
    await expect(OnnxMaskClassifier.load('/nonexistent/model.onnx')).rejects.toThrow();
  });
});
