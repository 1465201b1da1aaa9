/**
 * The marked regions of a markdown file. A generated table sits between
 *
 *   <!-- table: <id> from <files> -->
 *   …
 *   <!-- /table -->
 *
 * where <files> are paths relative to the repository, separated by commas, and one `{a..b}` range per path
 * stands for a numbered sequence (`bench/results/levers/lavapipe-{1..8}.json`). Everything between the two
 * lines is generated: the "Result file" line that names the files where the reader sees them, then the table.
 */

export interface Region {
  id: string;
  /** The files as the marker writes them. */
  from: string;
  /** `from` expanded, in order. */
  files: string[];
  /** 1-based line of the opening marker. */
  line: number;
  /** Offsets of the text between the markers: from the start of the line after the opening marker to the start of the closing one. */
  start: number;
  end: number;
}

const OPEN = /^<!-- table: (\S+) from (.+?) -->$/;
const CLOSE = '<!-- /table -->';

/** `a.json, b-{1..3}.json` → a.json, b-1.json, b-2.json, b-3.json. */
export function expandFiles(from: string): string[] {
  return from.split(',').map((s) => s.trim()).filter((s) => s.length > 0).flatMap((f) => {
    const m = /\{(\d+)\.\.(\d+)\}/.exec(f);
    if (!m) return [f];
    const [a, b] = [Number(m[1]), Number(m[2])];
    if (b < a) throw new Error(`'${f}': the range {${a}..${b}} runs backwards`);
    return Array.from({ length: b - a + 1 }, (_, i) => f.replace(m[0], String(a + i)));
  });
}

/** The marked regions, and what is wrong with the markers (unclosed, nested, malformed, a closing marker alone). */
export function findRegions(text: string): { regions: Region[]; problems: string[] } {
  const regions: Region[] = [];
  const problems: string[] = [];
  let open: Omit<Region, 'end'> | undefined;
  let offset = 0;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const lineStart = offset;
    offset += raw.length + 1;
    if (line === CLOSE) {
      if (!open) problems.push(`line ${i + 1}: ${CLOSE} without an opening marker`);
      else regions.push({ ...open, end: lineStart });
      open = undefined;
      return;
    }
    if (!line.startsWith('<!-- table:')) return;
    const m = OPEN.exec(line);
    if (!m) return void problems.push(`line ${i + 1}: a table marker must read "<!-- table: <id> from <files> -->": ${line}`);
    if (open) problems.push(`line ${open.line}: table '${open.id}' is not closed before the next marker (line ${i + 1})`);
    let files: string[];
    try {
      files = expandFiles(m[2]!);
    } catch (e) {
      problems.push(`line ${i + 1}: ${(e as Error).message}`);
      files = [];
    }
    if (files.length === 0) problems.push(`line ${i + 1}: table '${m[1]}' names no file`);
    open = { id: m[1]!, from: m[2]!, files, line: i + 1, start: offset };
  });
  if (open) problems.push(`line ${open.line}: table '${open.id}' has no ${CLOSE}`);
  return { regions, problems };
}

/** The generated text of a region: the files named in visible text, then the table. */
export function regionBody(from: string, files: string[], table: string): string {
  const named = files.length === 1 ? `Result file: \`${files[0]}\`` : `Result files: \`${from.trim()}\``;
  return `${named}\n\n${table}\n\n`;
}
