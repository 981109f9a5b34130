import { invalidInput } from '../../action/action-error.ts';
import { parseImageName, type ImageName } from '../image-reference.ts';
import { csvFields, inputLines, splitAttribute } from './input-lines.ts';

// The `images` input as metadata-action reads it: one image a line, each a
// name or CSV attributes `name=…,enable=…`; a single line may list several
// names separated by commas (metadata-action's first format).

export interface ImageInput {
  /** The image as Docker reads it, for logins and pushes. */
  name: ImageName;
  /** As the user wrote it, lowercased as metadata-action does (`user/app`, not `docker.io/user/app`): for outputs. */
  spelling: string;
  enable: boolean;
}

const EXAMPLE = 'write ghcr.io/org/app, or name=ghcr.io/org/app,enable=false';

export function parseImages(text: string): ImageInput[] {
  const lines = inputLines(text);
  if (!lines.length) throw invalidInput('images', 'is empty; give one image name per line, e.g. ghcr.io/org/app');
  const fieldsOf = (line: string, number: number) =>
    csvFields(line, (problem, fix) => invalidInput('images', `${problem} in line ${number}: ${line}; ${fix}.`));

  // One line of bare names is a list of images, as in metadata-action.
  const first = lines[0]!;
  if (lines.length === 1) {
    const fields = fieldsOf(first.line, first.number);
    if (fields.every((field) => !field.includes('='))) {
      return fields.map((field) => image(field, true));
    }
  }
  return lines.map(({ line, number }) => {
    const fail = (problem: string, fix: string) =>
      invalidInput('images', `${problem} in line ${number}: ${line}; ${fix}.`);
    let name = '';
    let enable = true;
    for (const field of fieldsOf(line, number)) {
      const entry = splitAttribute(field);
      if (!entry) {
        name = field;
        continue;
      }
      const [key, value] = entry;
      if (key === 'name') name = value;
      else if (key === 'enable') {
        if (value !== 'true' && value !== 'false') throw fail(`has enable=${value}`, 'use enable=true or enable=false');
        enable = value === 'true';
      } else throw fail(`has an unknown attribute '${key}'`, `use name and enable; ${EXAMPLE}`);
    }
    if (!name) throw fail('has no image name', EXAMPLE);
    return image(name, enable);
  });
}

/** The enabled images: the ones tagged and pushed. */
export function enabledImages(images: readonly ImageInput[]): ImageInput[] {
  return images.filter((image) => image.enable);
}

function image(written: string, enable: boolean): ImageInput {
  // metadata-action lowercases names: `ghcr.io/${{ github.repository }}` has the owner's capitals.
  const spelling = written.toLowerCase();
  return { name: parseImageName(spelling, 'images'), spelling, enable };
}
