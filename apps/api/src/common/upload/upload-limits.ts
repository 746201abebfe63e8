/** Text fields a form may carry next to its files (e.g. options), and their size. */
export const MAX_TEXT_FIELDS = 16;
export const MAX_TEXT_FIELD_BYTES = 4096;

/** Per multipart part beyond its data: busboy's cap on a part's headers (16 KiB) and the boundary line. */
const PART_OVERHEAD_BYTES = 17 * 1024;

/**
 * The largest body a valid upload of at most `maxFiles` files can have: the files at their size limit, the text
 * fields at theirs, and each part's headers and boundary. A longer Content-Length cannot be a valid request.
 */
export function maxUploadRequestBytes(maxFiles: number, maxFileBytes: number): number {
  const parts = maxFiles + MAX_TEXT_FIELDS;
  return maxFiles * maxFileBytes + MAX_TEXT_FIELDS * MAX_TEXT_FIELD_BYTES + (parts + 1) * PART_OVERHEAD_BYTES;
}
