import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { invalidDocumentMessage } from '../train/config';

const Source = z.strictObject({ source: z.string().min(1), licence: z.string().min(1) });

/** training/release/<model>.yaml: what a model card says that a run cannot measure. */
export const ReleaseNotesSchema = z.strictObject({
  weights: Source.extend({ name: z.string().min(1) }),
  /** By dataset folder name: what it was used for, where it comes from, its licence. */
  datasets: z.record(z.string(), Source.extend({ role: z.string().min(1) })),
  /** Why the threshold rule suits the product (shown next to the threshold comparison). */
  threshold_note: z.string().min(1).optional(),
  limitations: z.array(z.string().min(1)).default([]),
});
export type ReleaseNotes = z.infer<typeof ReleaseNotesSchema>;

export async function readReleaseNotes(file: string): Promise<ReleaseNotes> {
  const parsed = ReleaseNotesSchema.safeParse(parseYaml(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(invalidDocumentMessage(file, parsed.error));
  return parsed.data;
}
