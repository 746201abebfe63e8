import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { DEFAULT_DETECT_MODE, DETECT_MODES, DetectMode } from '@maskd/inference';

export const MODE_DESCRIPTION =
  "What to classify: 'faces' finds every face and classifies each (no face: no verdict); 'whole' classifies the " +
  "whole image as one face crop (no detection, no `faces` list); 'auto' classifies the faces when any are found, " +
  'else the whole image. May be given as a query parameter or a form field (the same value if both).';

/** The `mode` option, read from the query string and from the multipart form's text fields. */
export class DetectOptionsDto {
  @ApiPropertyOptional({ enum: DETECT_MODES, default: DEFAULT_DETECT_MODE, description: MODE_DESCRIPTION })
  @IsOptional()
  @IsIn(DETECT_MODES)
  mode?: DetectMode;
}
