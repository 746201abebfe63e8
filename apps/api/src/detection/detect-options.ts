import { BadRequestException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DEFAULT_DETECT_MODE, DetectMode } from '@maskd/inference';
import { DetectOptionsDto } from './dto/detect-options.dto';

function validated(value: unknown, where: string): DetectOptionsDto {
  const options = plainToInstance(DetectOptionsDto, { ...(value as object) });
  const errors = validateSync(options, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const problems = errors.flatMap((error) => Object.values(error.constraints ?? {}));
    throw new BadRequestException(`Invalid ${where}: ${problems.join('; ')}`);
  }
  return options;
}

/**
 * The request's mode, from the query string or the multipart form's text fields (default `auto`). Unknown
 * parameters, an unknown mode, or two different modes are a 400: a typo must not silently change the answer.
 */
export function detectMode(query: unknown, form: unknown): DetectMode {
  const fromQuery = validated(query, 'query parameter').mode;
  const fromForm = validated(form, 'form field').mode;
  if (fromQuery && fromForm && fromQuery !== fromForm) {
    throw new BadRequestException(
      `Conflicting modes: '${fromQuery}' in the query string, '${fromForm}' in the form; give one`,
    );
  }
  return fromQuery ?? fromForm ?? DEFAULT_DETECT_MODE;
}
