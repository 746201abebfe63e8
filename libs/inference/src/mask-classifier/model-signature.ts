import type { InferenceSession } from 'onnxruntime-node';

/** One named tensor of a model, as onnxruntime reports it; symbolic dimensions (batch) are strings. */
export interface TensorInfo {
  name: string;
  type: string;
  shape: Array<number | string>;
}

/** The inputs and outputs of a loaded model. */
export interface ModelSignature {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

/** The inputs and outputs of an onnxruntime session, as the registry reports them. */
export function sessionSignature(session: InferenceSession): ModelSignature {
  const tensors = (metadata: readonly InferenceSession.ValueMetadata[]): TensorInfo[] =>
    metadata.map((value) =>
      value.isTensor
        ? { name: value.name, type: value.type, shape: [...value.shape] }
        : { name: value.name, type: 'non-tensor', shape: [] },
    );
  return { inputs: tensors(session.inputMetadata), outputs: tensors(session.outputMetadata) };
}

/** The mask classifier contract (docs/architecture.md): NHWC float32 224x224x3 in, one probability out. */
export const MASK_MODEL_CONTRACT = {
  inputName: 'input',
  outputName: 'probability',
  inputSize: 224,
  channels: 3,
} as const;

/** Number of float32 values of one preprocessed image. */
export const MASK_INPUT_LENGTH =
  MASK_MODEL_CONTRACT.inputSize * MASK_MODEL_CONTRACT.inputSize * MASK_MODEL_CONTRACT.channels;

export class ModelContractError extends Error {
  override readonly name = 'ModelContractError';
}

const isDynamic = (dim: number | string | undefined) => typeof dim === 'string' || dim === -1;

/** Throws a ModelContractError naming the first way the model differs from the mask classifier contract. */
export function assertMaskModelSignature(signature: ModelSignature): void {
  const { inputName, outputName, inputSize, channels } = MASK_MODEL_CONTRACT;
  const input = signature.inputs.find((tensor) => tensor.name === inputName);
  const output = signature.outputs.find((tensor) => tensor.name === outputName);
  const names = (tensors: TensorInfo[]) => tensors.map((tensor) => tensor.name).join(', ') || 'none';
  if (!input) {
    throw new ModelContractError(
      `model has no input named '${inputName}' (inputs: ${names(signature.inputs)})`,
    );
  }
  if (!output) {
    throw new ModelContractError(
      `model has no output named '${outputName}' (outputs: ${names(signature.outputs)})`,
    );
  }
  const [n, h, w, c] = input.shape;
  const inputOk =
    input.type === 'float32' &&
    input.shape.length === 4 &&
    (isDynamic(n) || n === 1) &&
    h === inputSize &&
    w === inputSize &&
    c === channels;
  if (!inputOk) {
    throw new ModelContractError(
      `input '${inputName}' is ${input.type} [${input.shape.join(', ')}], expected float32 [N, ${inputSize}, ${inputSize}, ${channels}]`,
    );
  }
  const outputOk = output.type === 'float32' && output.shape.length === 2 && output.shape[1] === 1;
  if (!outputOk) {
    throw new ModelContractError(
      `output '${outputName}' is ${output.type} [${output.shape.join(', ')}], expected float32 [N, 1]`,
    );
  }
}
