import { DecodedImage, drawLabelledBoxes, LabelledBox } from '@maskd/imaging';
import type { ImageVerdict } from './image-verdict';

/**
 * Colours by class, dark enough for white label text (contrast >= 5:1), the same as the web page's overlay; the
 * label names the class too, so colour is never the only cue.
 */
const CLASS_COLOURS: Readonly<Record<string, string>> = {
  with_mask: '#137333',
  without_mask: '#c5221f',
};
const OTHER_COLOUR = '#0a58ca';
const NO_VERDICT_COLOUR = '#3c4043';

/** "Mask" / "No mask" for the model's class names; any other class as its name in words. */
export function displayLabel(label: string): string {
  if (label === 'with_mask') return 'Mask';
  if (label === 'without_mask') return 'No mask';
  return label.replaceAll('_', ' ');
}

const labelText = (label: string, confidence: number) =>
  `${displayLabel(label)} ${Math.round(confidence * 100)}%`;

/**
 * The image with each face outlined in its class colour and labelled with class and confidence; without faces
 * (whole-image verdict, or none found) the verdict goes in the top-left corner. `image` is the decoded image
 * the verdict was made on (upright); the faces' source-pixel boxes are mapped back onto it.
 */
export function annotateVerdict(image: DecodedImage, verdict: ImageVerdict): Promise<Buffer> {
  const scaleX = image.width / (image.sourceWidth ?? image.width);
  const scaleY = image.height / (image.sourceHeight ?? image.height);
  const faces = verdict.faces ?? [];
  const boxes: LabelledBox[] = faces.map((face) => ({
    box: {
      x: face.box.x * scaleX,
      y: face.box.y * scaleY,
      width: face.box.width * scaleX,
      height: face.box.height * scaleY,
    },
    label: labelText(face.label, face.confidence),
    colour: CLASS_COLOURS[face.label] ?? OTHER_COLOUR,
  }));
  let caption: { label: string; colour: string } | undefined;
  if (faces.length === 0) {
    caption =
      verdict.label === null
        ? { label: 'No face found', colour: NO_VERDICT_COLOUR }
        : {
            label: `Whole image: ${labelText(verdict.label, verdict.confidence!)}`,
            colour: CLASS_COLOURS[verdict.label] ?? OTHER_COLOUR,
          };
  }
  return drawLabelledBoxes(image, boxes, { caption });
}
