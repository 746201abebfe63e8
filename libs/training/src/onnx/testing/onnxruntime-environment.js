// Jest runs each test file in its own vm realm, but onnxruntime-node creates its output typed arrays in the
// host realm, so onnxruntime-common's `data instanceof Float32Array` checks fail inside Jest. Test files that
// run onnxruntime select this environment (`@jest-environment` docblock), which shares the host's constructors.
const { TestEnvironment } = require('jest-environment-node');

const SHARED_GLOBALS = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OnnxRuntimeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED_GLOBALS) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxRuntimeEnvironment;
