import { BadRequestException } from '@nestjs/common';
import { RequireUploadPipe } from './require-upload.pipe';

const file = { originalname: 'a.jpg', buffer: Buffer.from('x') } as Express.Multer.File;

describe('RequireUploadPipe', () => {
  it('passes a file or a non-empty list of files through', () => {
    expect(new RequireUploadPipe('file').transform(file)).toBe(file);
    expect(new RequireUploadPipe('files').transform([file, file])).toEqual([file, file]);
  });

  it.each([undefined, []])('rejects %p with a 400 naming the field', (value) => {
    const pipe = new RequireUploadPipe<Express.Multer.File[]>('files');
    expect(() => pipe.transform(value)).toThrow(
      new BadRequestException("No file uploaded: send the image in the multipart form field 'files'"),
    );
  });
});
