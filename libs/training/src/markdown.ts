// Number and table formatting shared by the Markdown that training writes (evaluation report, model card).

/** A fraction as a percentage with one decimal; 'n/a' when undefined. */
export const pct = (value: number | null | undefined): string =>
  value == null ? 'n/a' : `${(100 * value).toFixed(1)}%`;

/** A number with `digits` decimals; 'n/a' when undefined. */
export const num = (value: number | null | undefined, digits = 3): string =>
  value == null ? 'n/a' : value.toFixed(digits);

/** A GitHub-flavoured Markdown table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
