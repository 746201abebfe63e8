/** The model cannot be expressed in ONNX by this exporter; the message names the layer and why. */
export class OnnxExportError extends Error {
  override readonly name: string = 'OnnxExportError';
}

export class UnsupportedLayerError extends OnnxExportError {
  override readonly name = 'UnsupportedLayerError';

  constructor(
    readonly layerName: string,
    readonly className: string,
    detail: string,
  ) {
    super(`cannot export layer '${layerName}' (${className}) to ONNX: ${detail}`);
  }
}
