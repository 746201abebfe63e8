import { BadRequestException } from '@nestjs/common';
import { detectMode } from './detect-options';

describe('detectMode', () => {
  it('reads the mode from the query or the form, auto by default', () => {
    expect(detectMode({}, {})).toBe('auto');
    expect(detectMode({ mode: 'faces' }, {})).toBe('faces');
    expect(detectMode({}, Object.assign(Object.create(null), { mode: 'whole' }))).toBe('whole');
    expect(detectMode({ mode: 'whole' }, { mode: 'whole' })).toBe('whole');
    expect(detectMode(undefined, undefined)).toBe('auto');
  });

  it.each<[unknown, unknown, string]>([
    [
      { mode: 'face' },
      {},
      'Invalid query parameter: mode must be one of the following values: auto, faces, whole',
    ],
    [{}, { mode: '' }, 'Invalid form field: mode must be one of the following values: auto, faces, whole'],
    [
      { mode: ['auto', 'faces'] },
      {},
      'Invalid query parameter: mode must be one of the following values: auto, faces, whole',
    ],
    [{ mdoe: 'faces' }, {}, 'Invalid query parameter: property mdoe should not exist'],
    [{}, { note: 'hi' }, 'Invalid form field: property note should not exist'],
    [
      { mode: 'faces' },
      { mode: 'whole' },
      "Conflicting modes: 'faces' in the query string, 'whole' in the form; give one",
    ],
  ])('rejects %j / %j with a 400', (query, form, message) => {
    expect(() => detectMode(query, form)).toThrow(new BadRequestException(message));
  });
});
