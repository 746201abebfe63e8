/** Inputs outside these bounds are rejected before any pixel is decoded. */
export interface DecodeLimits {
  /** Largest width x height accepted, checked against the header before decoding (decompression bombs). */
  maxPixels: number;
  /** Smallest side accepted, in pixels after EXIF orientation. */
  minSide: number;
}

/**
 * 50 Mpx admits 48 Mpx phone photos (8064x6048) and costs at most 150 MB of RGB; 8 px is far below any face
 * worth classifying (the smallest training images are ~20 px) but rejects 1x1 tracking pixels and icons.
 */
export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxPixels: 50_000_000,
  minSide: 8,
});

export function resolveDecodeLimits(limits: Partial<DecodeLimits> = {}): DecodeLimits {
  const resolved = { ...DEFAULT_DECODE_LIMITS, ...limits };
  if (!(resolved.maxPixels >= 1) || !(resolved.minSide >= 1)) {
    throw new RangeError(`Invalid decode limits ${JSON.stringify(limits)}`);
  }
  return resolved;
}
