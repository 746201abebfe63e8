import { HttpException, NotFoundException } from '@nestjs/common';
import { MulterError } from 'multer';
import { UploadRules, uploadErrorToHttp } from './multer-errors';

const single: UploadRules = { field: 'file', multiple: false, maxFileBytes: 10 * 1024 * 1024, maxFiles: 1 };
const batch: UploadRules = { field: 'files', multiple: true, maxFileBytes: 1024 * 1024, maxFiles: 32 };

const answer = (error: unknown, rules: UploadRules) => {
  const exception = uploadErrorToHttp(error, rules);
  return [exception.getStatus(), (exception.getResponse() as { message: string }).message];
};

describe('uploadErrorToHttp', () => {
  it('maps size and count limits to 413', () => {
    const tooLarge = Object.assign(new MulterError('LIMIT_FILE_SIZE', 'file'), { filename: 'holiday.jpg' });
    expect(answer(tooLarge, single)).toEqual([
      413,
      "File 'holiday.jpg' is larger than the limit of 10 MB (10485760 bytes)",
    ]);
    expect(answer(new MulterError('LIMIT_FILE_SIZE', 'file'), single)).toEqual([
      413,
      'A file is larger than the limit of 10 MB (10485760 bytes)',
    ]);
    expect(answer(new MulterError('LIMIT_FILE_COUNT'), batch)).toEqual([
      413,
      'Too many files: at most 32 per request',
    ]);
    expect(answer(new MulterError('LIMIT_PART_COUNT'), batch)).toEqual([
      413,
      "Too many parts in the multipart form: send up to 32 images in the multipart field 'files'",
    ]);
  });

  it('tells a single-file endpoint that got several where to send them (400)', () => {
    const expected = [
      400,
      "Only one file is accepted: send one image in the multipart field 'file' (POST /detect-batch takes several)",
    ];
    expect(answer(new MulterError('LIMIT_UNEXPECTED_FILE', 'file'), single)).toEqual(expected);
    expect(answer(new MulterError('LIMIT_FILE_COUNT'), single)).toEqual(expected);
  });

  it('names a wrong field (400)', () => {
    expect(answer(new MulterError('LIMIT_UNEXPECTED_FILE', 'image'), single)).toEqual([
      400,
      "Unexpected file field 'image': send one image in the multipart field 'file'",
    ]);
    expect(answer(new MulterError('LIMIT_UNEXPECTED_FILE', 'file'), batch)).toEqual([
      400,
      "Unexpected file field 'file': send up to 32 images in the multipart field 'files'",
    ]);
  });

  it('maps malformed forms and busboy parse errors to 400', () => {
    expect(answer(new MulterError('LIMIT_FIELD_VALUE', 'mode'), single)).toEqual([
      400,
      "Invalid multipart form (Field value too long): send one image in the multipart field 'file'",
    ]);
    expect(answer(new Error('Unexpected end of form'), single)).toEqual([
      400,
      "Malformed multipart body (Unexpected end of form): send one image in the multipart field 'file'",
    ]);
  });

  it('leaves HTTP exceptions as they are', () => {
    const exception = new NotFoundException();
    expect(uploadErrorToHttp(exception, single)).toBe(exception);
    expect(uploadErrorToHttp(exception, single)).toBeInstanceOf(HttpException);
  });
});
