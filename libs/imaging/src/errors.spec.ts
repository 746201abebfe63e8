import { ImageDecodeError, isImageDecodeError } from './errors';

describe('ImageDecodeError', () => {
  it('carries a code, a user-facing message and the cause for logs', () => {
    const cause = new Error('VipsJpeg: premature end of JPEG image');
    const error = new ImageDecodeError('corrupt', 'The JPEG image is corrupt or truncated.', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'ImageDecodeError', code: 'corrupt', cause });
    expect(error.message).toBe('The JPEG image is corrupt or truncated.');
  });

  it('is recognised by isImageDecodeError, also from another copy of the class', () => {
    const foreign = Object.assign(new Error('x'), { name: 'ImageDecodeError', code: 'empty' });
    expect(isImageDecodeError(new ImageDecodeError('empty', 'x'))).toBe(true);
    expect(isImageDecodeError(foreign)).toBe(true);
    expect(isImageDecodeError(new Error('x'))).toBe(false);
    expect(isImageDecodeError({ name: 'ImageDecodeError', code: 'empty' })).toBe(false);
  });
});
