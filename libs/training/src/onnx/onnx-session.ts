import * as ort from 'onnxruntime-node';

export interface OnnxSessionOptions {
  /** onnxruntime intra-op threads; 0 lets onnxruntime choose (one per core). */
  threads?: number;
}

/** An onnxruntime-node session with full graph optimisation, from ONNX bytes or a file path. */
export function createOnnxSession(
  model: Uint8Array | string,
  options: OnnxSessionOptions = {},
): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: options.threads ?? 0,
  };
  return typeof model === 'string'
    ? ort.InferenceSession.create(model, sessionOptions)
    : ort.InferenceSession.create(model, sessionOptions);
}

/** Runs a single-input session on float32 data of shape `dims`; returns every output's data by name. */
export async function runOnnx(
  session: ort.InferenceSession,
  data: Float32Array,
  dims: readonly number[],
): Promise<Record<string, Float32Array>> {
  if (session.inputNames.length !== 1) {
    throw new Error(`runOnnx needs a single-input model, this one has ${session.inputNames.length}`);
  }
  const results = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', data, dims) });
  return Object.fromEntries(
    Object.entries(results).map(([name, tensor]) => {
      const output = tensor.data;
      if (!(output instanceof Float32Array))
        throw new Error(`output '${name}' is ${tensor.type}, not float32`);
      return [name, output];
    }),
  );
}
