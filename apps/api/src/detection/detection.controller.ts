import { Controller, HttpCode, Post, UploadedFile, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';
import { ImageUpload } from '../common/upload/image-upload.interceptor';
import { RequireUploadPipe } from '../common/upload/require-upload.pipe';
import { DetectionService } from './detection.service';
import { DetectBatchResponseDto, DetectionResponseDto } from './dto/detection-response.dto';
import { DetectBatchUploadDto, DetectUploadDto } from './dto/upload.dto';

@ApiTags('detection')
@Controller()
export class DetectionController {
  constructor(private readonly detection: DetectionService) {}

  @Post('detect')
  @HttpCode(200)
  @UseInterceptors(ImageUpload('file'))
  @ApiOperation({ summary: 'Is the person in the image wearing a face mask?' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: DetectUploadDto })
  @ApiOkResponse({ type: DetectionResponseDto })
  @ApiErrorResponses(400, 413, 415, 422, 503)
  detect(
    @UploadedFile(new RequireUploadPipe('file')) file: Express.Multer.File,
  ): Promise<DetectionResponseDto> {
    return this.detection.detect(file);
  }

  @Post('detect-batch')
  @HttpCode(200)
  @UseInterceptors(ImageUpload('files', { multiple: true }))
  @ApiOperation({
    summary: 'Classify several images in one batched inference',
    description:
      'One result per file in upload order; a bad file gets its own error and does not fail the others.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: DetectBatchUploadDto })
  @ApiOkResponse({ type: DetectBatchResponseDto })
  @ApiErrorResponses(400, 413, 415, 503)
  detectBatch(
    @UploadedFiles(new RequireUploadPipe('files')) files: Express.Multer.File[],
  ): Promise<DetectBatchResponseDto> {
    return this.detection.detectBatch(files);
  }
}
