import type { RunDetail } from '../api/schemas/runs';
import type { Io } from './output';

// The steps mlPipeline goes through, in order, to turn "steps done" into a fraction.
const STEPS = [
  'load spec',
  'ingest',
  'validate',
  'features',
  'abt',
  'train',
  'evaluate',
  'report',
  'gate',
  'register',
  'deploy staging',
  'smoke test',
  'approval',
  'promote',
  'deploy production',
  'start monitoring',
];
const BAR_WIDTH = 24;

interface TrainingProgress {
  candidate: string;
  epochsDone: number;
  totalEpochs: number;
  loss?: number;
}

function trainingLine(run: RunDetail): string {
  const training = (run.progress.training ?? {}) as Record<string, TrainingProgress>;
  return Object.values(training)
    .map(
      (t) =>
        `${t.candidate} ${t.epochsDone}/${t.totalEpochs}${t.loss === undefined ? '' : ` loss ${t.loss.toFixed(3)}`}`,
    )
    .join(', ');
}

export function progressLine(run: RunDetail): string {
  const index = run.step ? STEPS.indexOf(run.step) : -1;
  const done = run.status === 'succeeded' ? STEPS.length : Math.max(0, index);
  const filled = Math.round((done / STEPS.length) * BAR_WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
  const training = run.step === 'train' ? trainingLine(run) : '';
  return `[${bar}] ${run.status.padEnd(16)} ${run.step ?? run.phase}${training ? `  (${training})` : ''}`;
}

/** A terminal gets one line redrawn in place; a log gets a line only when something changed. */
export function createProgressRenderer(io: Io) {
  let last = '';
  return {
    update(run: RunDetail) {
      const line = progressLine(run);
      if (line === last) return;
      last = line;
      io.err.write(io.interactive ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    finish() {
      if (io.interactive && last) io.err.write('\n');
    },
  };
}
