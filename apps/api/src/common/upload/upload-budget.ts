import type { ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { ApiConfigService } from '../config/api-config.service';

const megabytes = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/** The in-flight upload budget cannot take another request now; answered 503 with Retry-After. */
export class UploadBudgetFullError extends Error {
  override readonly name = 'UploadBudgetFullError';
  constructor(
    readonly requestedBytes: number,
    readonly reservedBytes: number,
    readonly capacityBytes: number,
    readonly retryAfterSeconds = 1,
  ) {
    super(
      `uploads in flight hold ${megabytes(reservedBytes)} of ${megabytes(capacityBytes)}, ` +
        `this one may need ${megabytes(requestedBytes)}`,
    );
  }
}

/**
 * Bounds the memory of upload bodies buffered across all requests (MAX_UPLOAD_BYTES_IN_FLIGHT): each upload
 * reserves its Content-Length (or the most a valid request can be) before it is read, and gives it back when its
 * response ends. Multer's limits bound one request; this bounds how many of them are held at once.
 */
@Injectable()
export class UploadBudget {
  readonly capacityBytes: number;
  private reserved = 0;

  constructor(config: ApiConfigService) {
    this.capacityBytes = config.upload.maxBytesInFlight;
  }

  get reservedBytes(): number {
    return this.reserved;
  }

  /**
   * Reserves `bytes` and returns the function that gives them back (later calls do nothing).
   * @throws UploadBudgetFullError when they do not fit beside the uploads in flight.
   */
  reserve(bytes: number): () => void {
    if (this.reserved + bytes > this.capacityBytes) {
      throw new UploadBudgetFullError(bytes, this.reserved, this.capacityBytes);
    }
    this.reserved += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reserved -= bytes;
    };
  }

  /**
   * Reserves `bytes` for the request answered by `response` until that response ends: sent, failed, or cut off
   * by the client (a response that closed before this call gives them back at once, as no event will come).
   * @throws UploadBudgetFullError when they do not fit beside the uploads in flight.
   */
  reserveUntilDone(response: ServerResponse, bytes: number): void {
    const release = this.reserve(bytes);
    if (response.destroyed || response.writableFinished) {
      release();
      return;
    }
    response.once('finish', release);
    response.once('close', release);
  }
}
