/**
 * `dynaxx report <run> [<run>...] [--out FILE]`: one self-contained HTML file with the dashboard's views of the
 * runs (the first is the main one; the others are overlaid in the training view). Written atomically to
 * `<run dir>/report.html` unless `outFile` says otherwise.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../store/atomic';
import { RunStore } from '../store/run-store';
import { collectDashboardData } from './collect';
import { loadAssets, reportHtml } from './html';

export interface WrittenReport {
  file: string;
  bytes: number;
}

export function writeReport(runsDir: string, runIds: string[], outFile?: string, distDir?: string): WrittenReport {
  const assets = loadAssets(distDir); // first: a missing bundle fails before any work
  const data = collectDashboardData(runsDir, runIds);
  const file = outFile ? resolve(outFile) : join(new RunStore(runsDir).open(data.runs[0]!.runId).dir, 'report.html');
  const html = reportHtml(data, assets);
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, html);
  return { file, bytes: Buffer.byteLength(html) };
}
