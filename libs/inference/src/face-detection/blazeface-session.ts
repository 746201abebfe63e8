import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ModelSignature, sessionSignature } from '../mask-classifier/model-signature';
import { SessionThreads, sessionOptions } from '../session-options';
import { Anchors, generateAnchors } from './anchors';
import { BlazeFaceModelSpec, REGRESSORS_PER_ANCHOR } from './blazeface-models';
import { BlazeFaceOutputs } from './decode';

/** The model does not have the BlazeFace inputs and outputs this code decodes. */
export class BlazeFaceModelError extends Error {
  override readonly name = 'BlazeFaceModelError';
}

function dims(metadata: InferenceSession.ValueMetadata): readonly (number | string)[] | undefined {
  return metadata.isTensor ? metadata.shape : undefined;
}

/**
 * One BlazeFace ONNX model in onnxruntime, created once with full graph optimisation, its signature checked
 * against the spec, and its anchors generated once. run() takes a normalised NHWC input.
 */
export class BlazeFaceSession {
  readonly anchors: Anchors;

  private constructor(
    readonly spec: BlazeFaceModelSpec,
    private readonly session: InferenceSession,
  ) {
    this.anchors = generateAnchors(spec.anchorOptions);
  }

  static async load(
    modelPath: string,
    spec: BlazeFaceModelSpec,
    threads: SessionThreads = {},
  ): Promise<BlazeFaceSession> {
    const session = await InferenceSession.create(modelPath, {
      ...sessionOptions({ intraOpThreads: threads.intraOpThreads ?? 1 }),
      // The Barracuda conversion carries a few unused initialisers that onnxruntime warns about on load.
      logSeverityLevel: 3,
    });
    const loaded = new BlazeFaceSession(spec, session);
    try {
      loaded.checkSignature();
    } catch (error) {
      await session.release();
      throw error;
    }
    return loaded;
  }

  private checkSignature(): void {
    const { spec, session } = this;
    const where = `BlazeFace ${spec.variant} model`;
    const input = session.inputMetadata.find((meta) => meta.name === spec.inputName);
    const inputShape = input && dims(input);
    const expectedInput = [1, spec.inputSize, spec.inputSize, 3];
    if (!inputShape || inputShape.join() !== expectedInput.join()) {
      throw new BlazeFaceModelError(
        `${where}: expected input ${spec.inputName} [${expectedInput}], got ${session.inputNames.join(', ')}` +
          (inputShape ? ` [${inputShape}]` : ''),
      );
    }
    let anchors = 0;
    spec.scoreOutputs.forEach((name, grid) => {
      const scores = session.outputMetadata.find((meta) => meta.name === name);
      const boxes = session.outputMetadata.find((meta) => meta.name === spec.regressorOutputs[grid]);
      const scoreShape = scores && dims(scores);
      const boxShape = boxes && dims(boxes);
      const count = Number(scoreShape?.[1]);
      if (!scoreShape || !boxShape || boxShape[1] !== count || boxShape[2] !== REGRESSORS_PER_ANCHOR) {
        throw new BlazeFaceModelError(`${where}: unexpected outputs ${session.outputNames.join(', ')}`);
      }
      anchors += count;
    });
    if (anchors !== this.anchors.count) {
      throw new BlazeFaceModelError(
        `${where}: outputs cover ${anchors} anchors, expected ${this.anchors.count}`,
      );
    }
  }

  /** The session's inputs and outputs, as onnxruntime reports them. */
  get signature(): ModelSignature {
    return sessionSignature(this.session);
  }

  async run(input: Float32Array): Promise<BlazeFaceOutputs> {
    const size = this.spec.inputSize;
    const feeds = { [this.spec.inputName]: new Tensor('float32', input, [1, size, size, 3]) };
    const outputs = await this.session.run(feeds);
    const data = (name: string) => outputs[name].data as Float32Array;
    return {
      scores: this.spec.scoreOutputs.map(data),
      regressors: this.spec.regressorOutputs.map(data),
    };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
