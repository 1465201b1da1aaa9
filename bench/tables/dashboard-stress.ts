/**
 * BENCHMARKS.md's dashboard table: the 1000-layer stress run of webviews/check-dashboard.mjs (`--results FILE`):
 * gaps between animation frames while layer statistics arrive 10 times a second, in headless Chromium.
 */
import type { StressResult } from '../../webviews/dashboard/stress';

export interface DashboardStressFile {
  date: string;
  machine: { host: string; cpu: string; cores: number; node: string };
  browser: string;
  /** The stress run's result without its raw frame deltas. */
  summary: Omit<StressResult, 'deltas'>;
}

export function dashboardStressTable(doc: DashboardStressFile): string {
  const s = doc.summary;
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  return [
    '| layers | updates | frames | p50 | p95 | p99 | max | frames over 50 ms | browser |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    `| ${s.layers} | ${s.updates} in ${(s.durationMs / 1000).toFixed(1)} s | ${s.frames} | ${ms(s.frameMs.p50)} | ${ms(s.frameMs.p95)} | ${ms(s.frameMs.p99)} | ${ms(s.frameMs.max)} | ${s.longFrames} | Chromium ${doc.browser} |`,
  ].join('\n');
}
