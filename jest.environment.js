// Jest runs each test file in its own vm realm, but onnxruntime-node creates its output typed arrays in the
// host realm, and onnxruntime-common (like tfjs) checks them with `instanceof Float32Array`, which fails against
// the sandbox's own constructors. Every test file shares the host's binary-data constructors instead.
const { TestEnvironment } = require('jest-environment-node');

const HOST_CONSTRUCTORS = [
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

class HostTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of HOST_CONSTRUCTORS) this.global[name] = globalThis[name];
  }
}

module.exports = HostTypedArraysEnvironment;
