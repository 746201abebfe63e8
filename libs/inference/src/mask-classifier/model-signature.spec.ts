import { assertMaskModelSignature, ModelSignature } from './model-signature';

const valid: ModelSignature = {
  inputs: [{ name: 'input', type: 'float32', shape: ['N', 224, 224, 3] }],
  outputs: [{ name: 'probability', type: 'float32', shape: ['N', 1] }],
};

describe('assertMaskModelSignature', () => {
  it('accepts the contract, with a dynamic or fixed batch of 1', () => {
    expect(() => assertMaskModelSignature(valid)).not.toThrow();
    const fixed = { ...valid, inputs: [{ ...valid.inputs[0], shape: [1, 224, 224, 3] }] };
    expect(() => assertMaskModelSignature(fixed)).not.toThrow();
  });

  it.each([
    [
      { ...valid, inputs: [{ ...valid.inputs[0], name: 'x' }] },
      "model has no input named 'input' (inputs: x)",
    ],
    [{ ...valid, outputs: [] }, "model has no output named 'probability' (outputs: none)"],
    [
      { ...valid, inputs: [{ ...valid.inputs[0], shape: ['N', 3, 224, 224] }] },
      "input 'input' is float32 [N, 3, 224, 224], expected float32 [N, 224, 224, 3]",
    ],
    [
      { ...valid, inputs: [{ ...valid.inputs[0], type: 'uint8' }] },
      "input 'input' is uint8 [N, 224, 224, 3], expected float32 [N, 224, 224, 3]",
    ],
    [
      { ...valid, outputs: [{ ...valid.outputs[0], shape: ['N', 2] }] },
      "output 'probability' is float32 [N, 2], expected float32 [N, 1]",
    ],
  ])('rejects a model that differs: %#', (signature, message) => {
    expect(() => assertMaskModelSignature(signature as ModelSignature)).toThrow(message);
  });
});
