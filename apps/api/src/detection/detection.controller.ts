import {
  Body,
  Controller,
  HttpCode,
  Post,
  Query,
  Res,
  StreamableFile,
  UploadedFile,
  UploadedFiles,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';
import { ImageUpload } from '../common/upload/image-upload.interceptor';
import { RequireUploadPipe } from '../common/upload/require-upload.pipe';
import { detectMode } from './detect-options';
import { DetectionService } from './detection.service';
import { DetectBatchResponseDto, DetectionResponseDto } from './dto/detection-response.dto';
import { DetectOptionsDto } from './dto/detect-options.dto';
import { DetectBatchUploadDto, DetectUploadDto } from './dto/upload.dto';

@ApiTags('detection')
@Controller()
export class DetectionController {
  constructor(private readonly detection: DetectionService) {}

  @Post('detect')
  @HttpCode(200)
  @UseInterceptors(ImageUpload('file'))
  @ApiOperation({
    summary: 'Who in the image wears a face mask?',
    description:
      'Finds the faces (mode auto or faces) and classifies each, or classifies the whole image (mode whole). ' +
      'The top-level prediction is without_mask when any face is unmasked.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: DetectUploadDto })
  @ApiOkResponse({ type: DetectionResponseDto })
  @ApiErrorResponses(400, 413, 415, 422, 503)
  detect(
    @UploadedFile(new RequireUploadPipe('file')) file: Express.Multer.File,
    @Query() query: DetectOptionsDto,
    @Body() form: unknown,
  ): Promise<DetectionResponseDto> {
    return this.detection.detect(file, detectMode(query, form));
  }

  @Post('detect/annotated')
  @HttpCode(200)
  @UseInterceptors(ImageUpload('file'))
  @ApiOperation({
    summary: 'The image with each face outlined and labelled (JPEG)',
    description:
      'The same detection as POST /detect, drawn on the upright image: a box per face in its class colour ' +
      '(green with_mask, red without_mask) labelled with class and confidence, or the whole-image verdict in ' +
      'the top-left corner. Photos whose shorter side is 2160 px or more come back reduced to 1080 px on it. ' +
      'The headers X-Prediction and X-Faces summarise the answer; errors are JSON.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: DetectUploadDto })
  @ApiProduces('image/jpeg')
  @ApiOkResponse({
    description: 'The annotated image',
    content: { 'image/jpeg': { schema: { type: 'string', format: 'binary' } } },
    headers: {
      'X-Prediction': {
        description: 'with_mask, without_mask, or none (no face in faces mode)',
        schema: { type: 'string' },
      },
      'X-Faces': { description: "Faces found (absent in 'whole' mode)", schema: { type: 'integer' } },
    },
  })
  @ApiErrorResponses(400, 413, 415, 422, 503)
  async detectAnnotated(
    @UploadedFile(new RequireUploadPipe('file')) file: Express.Multer.File,
    @Query() query: DetectOptionsDto,
    @Body() form: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const { jpeg, detection } = await this.detection.detectAnnotated(file, detectMode(query, form));
    response.setHeader('X-Prediction', detection.prediction ?? 'none');
    if (detection.faces) response.setHeader('X-Faces', String(detection.faces.length));
    return new StreamableFile(jpeg, { type: 'image/jpeg', length: jpeg.length });
  }

  @Post('detect-batch')
  @HttpCode(200)
  @UseInterceptors(ImageUpload('files', { multiple: true }))
  @ApiOperation({
    summary: 'Detect in several images; their faces are classified in shared batched runs',
    description:
      'One result per file in upload order, each as POST /detect answers it; a bad file gets its own error ' +
      'and does not fail the others.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: DetectBatchUploadDto })
  @ApiOkResponse({ type: DetectBatchResponseDto })
  @ApiErrorResponses(400, 413, 415, 503)
  detectBatch(
    @UploadedFiles(new RequireUploadPipe('files')) files: Express.Multer.File[],
    @Query() query: DetectOptionsDto,
    @Body() form: unknown,
  ): Promise<DetectBatchResponseDto> {
    return this.detection.detectBatch(files, detectMode(query, form));
  }
}
