import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initTensorflow } from './backend';
import { loadLayersModelFrom, ModelLoadError, saveLayersModel } from './io';

let workDir: string;
let probe: tf.Tensor;

beforeAll(async () => {
  await initTensorflow({ log: () => undefined });
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'maskd-io-'));
  probe = tf.randomUniform([2, 6, 6, 3], -1, 1, 'float32', 3);
});

afterAll(async () => {
  await fs.rm(workDir, { recursive: true, force: true });
});

function smallModel(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 3] });
  const conv = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, activation: 'relu' })
    .apply(input) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({}).apply(conv) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({ units: 2, biasInitializer: 'randomNormal' })
    .apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

const predict = (model: tf.LayersModel) => (model.predict(probe) as tf.Tensor).arraySync();

/** A saved small model in a fresh folder. */
async function savedModel(name: string): Promise<{ folder: string; model: tf.LayersModel }> {
  const model = smallModel();
  const folder = path.join(workDir, name);
  await saveLayersModel(model, folder);
  return { folder, model };
}

describe('saveLayersModel + loadLayersModelFrom', () => {
  it('round-trips a model through a folder (model.json + weights.bin)', async () => {
    const { folder, model } = await savedModel('roundtrip');
    expect((await fs.readdir(folder)).sort()).toEqual(['model.json', 'weights.bin']);
    const loaded = await loadLayersModelFrom(folder);
    expect(predict(loaded)).toEqual(predict(model));
  });

  it('loads from an http URL of model.json', async () => {
    const { folder, model } = await savedModel('served');
    const server: Server = createServer((request, response) => {
      const file = request.url === '/model.json' || request.url === '/weights.bin' ? request.url : '/none';
      fs.readFile(path.join(folder, file)).then(
        (data) => response.end(data),
        () => response.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const loaded = await loadLayersModelFrom(`http://127.0.0.1:${port}/model.json`);
      expect(predict(loaded)).toEqual(predict(model));
      const missing = `http://127.0.0.1:${port}/other/nothing.json`;
      await expect(loadLayersModelFrom(missing)).rejects.toThrow(`${missing} is missing`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('loadLayersModelFrom errors name the problem', () => {
  async function broken(name: string, change: (folder: string) => Promise<void>): Promise<string> {
    const { folder } = await savedModel(name);
    await change(folder);
    return folder;
  }
  const editModelJson = (folder: string, edit: (json: Record<string, unknown>) => unknown) =>
    fs
      .readFile(path.join(folder, 'model.json'), 'utf8')
      .then((text) => fs.writeFile(path.join(folder, 'model.json'), JSON.stringify(edit(JSON.parse(text)))));

  it('missing folder', async () => {
    const missing = path.join(workDir, 'nowhere');
    await expect(loadLayersModelFrom(missing)).rejects.toThrow(`model folder ${missing} does not exist`);
  });

  it('missing model.json', async () => {
    const folder = await broken('no-json', (dir) => fs.rm(path.join(dir, 'model.json')));
    await expect(loadLayersModelFrom(folder)).rejects.toThrow(/model\.json is missing/);
  });

  it('model.json that is not JSON, or not a layers model', async () => {
    const invalid = await broken('invalid-json', (dir) =>
      fs.writeFile(path.join(dir, 'model.json'), '{"modelTopology":'),
    );
    await expect(loadLayersModelFrom(invalid)).rejects.toThrow(/model\.json is not valid JSON/);
    const graph = await broken('graph-model', (dir) =>
      editModelJson(dir, (json) => ({ ...json, format: 'graph-model' })),
    );
    await expect(loadLayersModelFrom(graph)).rejects.toThrow(/format 'graph-model', expected 'layers-model'/);
    const notModel = await broken('not-model', (dir) => editModelJson(dir, () => ({ hello: 1 })));
    await expect(loadLayersModelFrom(notModel)).rejects.toThrow(/needs modelTopology and weightsManifest/);
  });

  it('missing or truncated weight shard', async () => {
    const missing = await broken('no-shard', (dir) => fs.rm(path.join(dir, 'weights.bin')));
    await expect(loadLayersModelFrom(missing)).rejects.toThrow(
      /weight shard .*weights\.bin listed in model\.json is missing/,
    );
    const truncated = await broken('short-shard', (dir) => fs.truncate(path.join(dir, 'weights.bin'), 40));
    await expect(loadLayersModelFrom(truncated)).rejects.toThrow(
      /hold 40 bytes, but model\.json describes \d+ bytes/,
    );
  });

  it('weights that do not fit the topology', async () => {
    const folder = await broken('renamed-weights', (dir) =>
      editModelJson(dir, (json) => {
        const manifest = json.weightsManifest as Array<{ weights: Array<{ name: string }> }>;
        manifest[0].weights[0].name = 'not_a_layer/kernel';
        return json;
      }),
    );
    const error = await loadLayersModelFrom(folder).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(
      /could not build the tfjs layers model from .*renamed-weights: /,
    );
  });
});
