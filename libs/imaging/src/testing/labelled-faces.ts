import { sharedDataPath } from '../shared-data';

export interface LabelledFace {
  /** Under `<shared>/datasets/chandrikadeb7/`. */
  file: string;
  label: 'with_mask' | 'without_mask';
}

/**
 * Face photos of the shared training set whose answer is not in doubt, for specs that check the shipped model
 * gets labels right (not just shapes and ranges). All are in the chandrikadeb7 test split (seed 42), which no
 * training run sees, and mask_detector 1.0.0 scores them far from any threshold (P(without_mask) < 0.01 or
 * > 0.99). Varied on purpose: JPEG and PNG, 3 KB to 660 KB, close-ups and half-length shots, a tilted one and
 * one with three masked people.
 */
export const LABELLED_FACES: readonly LabelledFace[] = [
  { file: 'with_mask/0323.jpg', label: 'with_mask' },
  { file: 'with_mask/0999.png', label: 'with_mask' },
  { file: 'with_mask/203.jpg', label: 'with_mask' },
  { file: 'with_mask/with_mask267.png', label: 'with_mask' },
  { file: 'without_mask/223.jpg', label: 'without_mask' },
  { file: 'without_mask/augmented_image_215.jpg', label: 'without_mask' },
  { file: 'without_mask/97.jpg', label: 'without_mask' },
  { file: 'without_mask/0_0_anhu_0025.jpg', label: 'without_mask' },
];

export function labelledFacePath(face: LabelledFace): string {
  return sharedDataPath('datasets', 'chandrikadeb7', face.file);
}
