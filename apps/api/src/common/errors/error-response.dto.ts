import { ApiProperty } from '@nestjs/swagger';
import type { ErrorBody } from './error-body';

/** The one error shape of the API (see HttpErrorFilter). */
export class ErrorResponseDto implements ErrorBody {
  @ApiProperty({ description: 'HTTP status code', example: 415 })
  statusCode!: number;

  @ApiProperty({ description: 'HTTP status text', example: 'Unsupported Media Type' })
  error!: string;

  @ApiProperty({
    description: 'What was wrong, written for the caller',
    example: 'Unsupported image format: send JPEG, PNG, WebP, GIF, TIFF or AVIF.',
  })
  message!: string;
}
