// Jest's node environment, with the host realm's typed arrays (as jest already does for ArrayBuffer and
// Uint8Array): onnxruntime-node creates its output arrays in the host realm, and onnxruntime-common checks
// them with `instanceof Float32Array`, which fails against the sandbox's own constructors.
const { TestEnvironment } = require('jest-environment-node');

const TYPED_ARRAYS = [
  'Int8Array',
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

class HostTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) this.global[name] = globalThis[name];
  }
}

module.exports = HostTypedArraysEnvironment;
