import { ApiProperty } from '@nestjs/swagger';

export class EndpointDto {
  @ApiProperty({ example: 'POST' })
  method!: string;

  @ApiProperty({ example: '/detect' })
  path!: string;

  @ApiProperty({ example: 'Find the faces in one image and classify each (multipart field "file")' })
  description!: string;
}

export class LoadedModelDto {
  @ApiProperty({
    example: 'mask_detector',
    description: 'mask_detector (classifier) or blazeface (face detector)',
  })
  name!: string;

  @ApiProperty({ example: '1.0.0', nullable: true, type: String })
  version!: string | null;

  @ApiProperty({ enum: ['loading', 'ready', 'failed'], example: 'ready' })
  status!: string;
}

export class ServiceInfoDto {
  @ApiProperty({ example: 'maskd' })
  name!: string;

  @ApiProperty({ example: '0.1.0' })
  version!: string;

  @ApiProperty({ example: 'Face-mask detection: POST a photo, get each face with_mask or without_mask' })
  description!: string;

  @ApiProperty({ type: [LoadedModelDto] })
  models!: LoadedModelDto[];

  @ApiProperty({ type: [EndpointDto] })
  endpoints!: EndpointDto[];

  @ApiProperty({ example: '/docs' })
  docs!: string;
}
