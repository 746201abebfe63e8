/**
 * Makes the tfjs wasm backend (4.x) able to train convolutional layers, so fine-tuning runs there instead
 * of on the ~20x slower pure-JS cpu backend. Measured on the 2-core dev machine, batch 32 at MobileNetV2's
 * 7x7 top: wasm's matmul with a transpose flag and its Conv2DBackpropInput take ~10x longer than an explicit
 * Transpose followed by the XNNPACK matmul, and three gradient kernels are missing altogether.
 *
 * Kernels registered for `wasm` (each checked against the cpu backend in `wasm-gradients.spec.ts`):
 * - `Conv2DBackpropFilter` (missing): 1x1 stride-1 convolutions as dW = X^T . dY; other 'same'/'valid'
 *   convolutions as the wasm `Conv3DBackpropFilterV2` with a depth of 1; anything else on the cpu backend.
 * - `Conv2DBackpropInput` (replaced): 1x1 stride-1 as dX = dY . W^T; otherwise wasm's own kernel.
 * - `BatchMatMul` (replaced): transposes done by the Transpose kernel, then wasm's fast untransposed matmul.
 * - `DepthwiseConv2dNativeBackpropFilter` (missing): one strided slice, product and sum per filter tap.
 * - `DepthwiseConv2dNativeBackpropInput` (missing): stride 1 as a depthwise convolution of the padded dY
 *   with the flipped filter; other strides on the cpu backend.
 * The cpu bridge copies the inputs out of the wasm heap, runs the cpu backend's kernel and copies the result back.
 */
import * as tf from '@tensorflow/tfjs';

type Attrs = tf.NamedAttrMap;
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: Attrs };
type TensorInfos = Record<string, tf.TensorInfo>;
type Kernel = (args: KernelArgs) => tf.TensorInfo;

const WASM = 'wasm';

/** Marks kernel functions registered here, so registering twice (or over our own) is a no-op. */
const OURS = Symbol('maskd.wasmGradientKernel');

/** Kernels this module provides for the wasm backend. */
export const WASM_GRADIENT_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'BatchMatMul',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;
type KernelName = (typeof WASM_GRADIENT_KERNELS)[number];

/**
 * Registers (or wraps) the kernels listed in WASM_GRADIENT_KERNELS for the wasm backend. Idempotent. Call it
 * after `initTensorflow()`; it does nothing harmful when wasm is not the active backend. Returns the names it
 * registered in this call.
 */
export function registerWasmGradientKernels(): string[] {
  const registered: string[] = [];
  for (const kernelName of WASM_GRADIENT_KERNELS) {
    const existing = tf.getKernel(kernelName, WASM);
    if ((existing?.kernelFunc as { [OURS]?: boolean } | undefined)?.[OURS]) continue;
    const original = existing?.kernelFunc as Kernel | undefined;
    const kernelFunc = Object.assign(makeKernel(kernelName, original), { [OURS]: true });
    if (existing) tf.unregisterKernel(kernelName, WASM);
    tf.registerKernel({
      kernelName,
      backendName: WASM,
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
      setupFunc: existing?.setupFunc,
    });
    registered.push(kernelName);
  }
  return registered;
}

function makeKernel(name: KernelName, original: Kernel | undefined): Kernel {
  const fallback: Kernel = original ?? bridgeToCpu(name);
  switch (name) {
    case 'Conv2DBackpropFilter':
      return (args) => conv2DBackpropFilter(args, fallback);
    case 'Conv2DBackpropInput':
      return (args) => conv2DBackpropInput(args, fallback);
    case 'BatchMatMul':
      return (args) => batchMatMul(args, fallback);
    case 'DepthwiseConv2dNativeBackpropFilter':
      return (args) => depthwiseBackpropFilter(args, fallback);
    case 'DepthwiseConv2dNativeBackpropInput':
      return (args) => depthwiseBackpropInput(args, fallback);
  }
}

interface ConvAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
  inputShape: [number, number, number, number];
}

function isPointwiseStride1(attrs: ConvAttrs, filterShape: readonly number[]): boolean {
  const [strideH, strideW] = pair(attrs.strides);
  const [dilationH, dilationW] = pair(attrs.dilations ?? 1);
  return (
    filterShape[0] === 1 &&
    filterShape[1] === 1 &&
    strideH === 1 &&
    strideW === 1 &&
    dilationH === 1 &&
    dilationW === 1 &&
    (attrs.dataFormat ?? 'NHWC') === 'NHWC' &&
    (attrs.pad === 'same' || attrs.pad === 'valid')
  );
}

function conv2DBackpropFilter(args: KernelArgs, fallback: Kernel): tf.TensorInfo {
  const attrs = args.attrs as unknown as ConvAttrs;
  const { x, dy } = args.inputs as TensorInfos;
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return fallback(args);
  const info = convInfo(attrs, x.shape, attrs.filterShape, false);
  // dW[i, j, :, :] = Xwindow(i, j)^T . dY, where Xwindow(i, j) is the padded input seen by filter tap (i, j)
  return withScope(args.backend, (ops) => {
    const rows = dy.shape[0] * dy.shape[1] * dy.shape[2];
    const taps = tapWindows(ops, x, info).map((window) => {
      const windowT = ops.run(
        'Transpose',
        { x: ops.reshape(window, [rows, info.inChannels]) },
        { perm: [1, 0] },
      );
      return ops.matMul(windowT, ops.reshape(dy, [rows, info.outChannels]));
    });
    const stacked =
      taps.length === 1 ? taps[0] : ops.run('Concat', taps as unknown as tf.NamedTensorInfoMap, { axis: 0 });
    return ops.reshape(stacked, attrs.filterShape);
  });
}

function conv2DBackpropInput(args: KernelArgs, fallback: Kernel): tf.TensorInfo {
  const attrs = args.attrs as unknown as ConvAttrs;
  const { dy, filter } = args.inputs as TensorInfos;
  if (!isPointwiseStride1(attrs, filter.shape)) return fallback(args);
  // dX[n, h, w, cin] = sum over cout of dY[n, h, w, cout] * W[0, 0, cin, cout]
  return withScope(args.backend, (ops) => {
    const rows = dy.shape[0] * dy.shape[1] * dy.shape[2];
    const [inChannels, outChannels] = filter.shape.slice(2);
    const wT = ops.run('Transpose', { x: ops.reshape(filter, [inChannels, outChannels]) }, { perm: [1, 0] });
    const product = ops.matMul(ops.reshape(dy, [rows, outChannels]), wT);
    return ops.reshape(product, attrs.inputShape);
  });
}

function batchMatMul(args: KernelArgs, original: Kernel): tf.TensorInfo {
  const { transposeA, transposeB } = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
  if (!transposeA && !transposeB) return original(args);
  return withScope(args.backend, (ops) => {
    const swapLastTwo = (info: tf.TensorInfo) => {
      const perm = info.shape.map((_, axis) => axis);
      const rank = perm.length;
      [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
      return ops.run('Transpose', { x: info }, { perm });
    };
    const inputs = args.inputs as TensorInfos;
    const a = transposeA ? swapLastTwo(inputs.a) : inputs.a;
    const b = transposeB ? swapLastTwo(inputs.b) : inputs.b;
    return ops.track(
      original({ inputs: { a, b }, backend: args.backend, attrs: { transposeA: false, transposeB: false } }),
    );
  });
}

type ConvInfo = tf.backend_util.Conv2DInfo;

function convInfo(attrs: ConvAttrs, xShape: number[], filterShape: number[], depthwise: boolean): ConvInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
  );
}

/** For each filter tap (i, j) in row-major order, the [N, outH, outW, C] part of the padded input it multiplies. */
function tapWindows(ops: KernelScope, x: tf.TensorInfo, info: ConvInfo): tf.TensorInfo[] {
  const { padInfo, strideHeight, strideWidth, dilationHeight, dilationWidth, outHeight, outWidth } = info;
  const paddings = [
    [0, 0],
    [padInfo.top, padInfo.bottom],
    [padInfo.left, padInfo.right],
    [0, 0],
  ];
  const padded = ops.run('PadV2', { x }, { paddings, constantValue: 0 });
  const windows: tf.TensorInfo[] = [];
  for (let i = 0; i < info.filterHeight; i++) {
    for (let j = 0; j < info.filterWidth; j++) {
      const top = i * dilationHeight;
      const left = j * dilationWidth;
      const bottom = top + (outHeight - 1) * strideHeight + 1;
      const right = left + (outWidth - 1) * strideWidth + 1;
      windows.push(
        ops.run(
          'StridedSlice',
          { x: padded },
          {
            begin: [0, top, left, 0],
            end: [x.shape[0], bottom, right, x.shape[3]],
            strides: [1, strideHeight, strideWidth, 1],
            beginMask: 0,
            endMask: 0,
            ellipsisMask: 0,
            newAxisMask: 0,
            shrinkAxisMask: 0,
          },
        ),
      );
    }
  }
  return windows;
}

function depthwiseBackpropFilter(args: KernelArgs, fallback: Kernel): tf.TensorInfo {
  const attrs = args.attrs as unknown as ConvAttrs;
  const { x, dy } = args.inputs as TensorInfos;
  const info = convInfo(attrs, x.shape, attrs.filterShape, true);
  if (info.outChannels !== info.inChannels) return fallback(args); // channel multiplier > 1
  // dW[i, j, c] = sum over (n, h, w) of Xwindow(i, j)[n, h, w, c] * dY[n, h, w, c]
  return withScope(args.backend, (ops) => {
    const rows = dy.shape[0] * dy.shape[1] * dy.shape[2];
    // Summing over (n, h, w) as ones . product keeps it on the XNNPACK matmul (Sum would transpose first).
    const ones = ops.run('Fill', {}, { shape: [1, rows], value: 1, dtype: 'float32' });
    const taps = tapWindows(ops, x, info).map((window) => {
      const product = ops.run('Multiply', { a: window, b: dy }, {});
      return ops.matMul(ones, ops.reshape(product, [rows, info.outChannels]));
    });
    const stacked = ops.run('Concat', taps as unknown as tf.NamedTensorInfoMap, { axis: 0 });
    return ops.reshape(stacked, attrs.filterShape);
  });
}

function depthwiseBackpropInput(args: KernelArgs, fallback: Kernel): tf.TensorInfo {
  const attrs = args.attrs as unknown as ConvAttrs;
  const { dy, filter } = args.inputs as TensorInfos;
  const info = convInfo(attrs, attrs.inputShape, filter.shape, true);
  const unitStrides = info.strideHeight === 1 && info.strideWidth === 1;
  const unitDilations = info.dilationHeight === 1 && info.dilationWidth === 1;
  if (!unitStrides || !unitDilations || info.outChannels !== info.inChannels) return fallback(args);
  // dX = depthwise correlation of dY, padded by (filter - 1 - pad) on each side, with the flipped filter.
  const { padInfo, filterHeight, filterWidth } = info;
  return withScope(args.backend, (ops) => {
    const padded = ops.run(
      'PadV2',
      { x: dy },
      {
        paddings: [
          [0, 0],
          [filterHeight - 1 - padInfo.top, filterHeight - 1 - padInfo.bottom],
          [filterWidth - 1 - padInfo.left, filterWidth - 1 - padInfo.right],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    const flipped = ops.run('Reverse', { x: filter }, { dims: [0, 1] });
    return ops.run(
      'DepthwiseConv2dNative',
      { x: padded, filter: flipped },
      { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC' },
    );
  });
}

/** Runs wasm kernels on TensorInfos; every intermediate is released when the scope ends, the result kept. */
class KernelScope {
  private readonly temporaries: tf.TensorInfo[] = [];

  constructor(private readonly backend: tf.KernelBackend) {}

  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: Attrs): tf.TensorInfo {
    const kernel = tf.getKernel(kernelName, WASM);
    if (kernel === undefined) throw new Error(`wasm kernel ${kernelName} is not registered`);
    return this.track(kernel.kernelFunc({ inputs, backend: this.backend, attrs }) as tf.TensorInfo);
  }

  track(info: tf.TensorInfo): tf.TensorInfo {
    this.temporaries.push(info);
    return info;
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** The untransposed matmul, which wasm runs with XNNPACK. */
  matMul(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
    return this.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
  }

  release(keep: tf.TensorInfo): void {
    for (const info of this.temporaries) if (info !== keep) this.backend.disposeData(info.dataId);
  }
}

function withScope(backend: tf.KernelBackend, body: (ops: KernelScope) => tf.TensorInfo): tf.TensorInfo {
  const scope = new KernelScope(backend);
  let result: tf.TensorInfo | undefined;
  try {
    result = body(scope);
    return result;
  } finally {
    scope.release(result as tf.TensorInfo);
  }
}

/** Runs the cpu backend's kernel on copies of the inputs and returns its output on the wasm backend. */
function bridgeToCpu(kernelName: string): Kernel {
  return ({ inputs, backend, attrs }) => {
    const cpu = tf.findBackend('cpu');
    const cpuKernel = tf.getKernel(kernelName, 'cpu');
    if (cpu === null || cpuKernel === undefined) {
      throw new Error(`cannot compute ${kernelName} on wasm: the cpu backend is not registered`);
    }
    const cpuInputs: tf.NamedTensorInfoMap = {};
    try {
      for (const [name, info] of Object.entries(inputs as TensorInfos)) {
        const dataId = cpu.write(backend.readSync(info.dataId), info.shape, info.dtype);
        cpuInputs[name] = { dataId, shape: info.shape, dtype: info.dtype };
      }
      const output = cpuKernel.kernelFunc({ inputs: cpuInputs, backend: cpu, attrs }) as tf.TensorInfo;
      const values = cpu.readSync(output.dataId);
      cpu.disposeData(output.dataId);
      return {
        dataId: backend.write(values, output.shape, output.dtype),
        shape: output.shape,
        dtype: output.dtype,
      };
    } finally {
      for (const info of Object.values(cpuInputs as TensorInfos)) cpu.disposeData(info.dataId);
    }
  };
}

function pair(value: [number, number] | number): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}
