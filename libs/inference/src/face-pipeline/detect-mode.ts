/**
 * What a request classifies:
 * - `faces`: every face the detector finds, each cropped and classified; no face, no verdict;
 * - `whole`: the whole image as one face crop (no detection), as the training images are;
 * - `auto`: faces when any are found, else the whole image.
 */
export const DETECT_MODES = ['auto', 'faces', 'whole'] as const;

export type DetectMode = (typeof DETECT_MODES)[number];

export const DEFAULT_DETECT_MODE: DetectMode = 'auto';
