import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../lib/db';
import { MlError } from '../../lib/ml';
import { abtFeatureColumns } from '../data/abt';
import { DEFAULT_TRAINING_MEMORY_BUDGET_MB, splitArrayBytes, streamingLayout } from '../../lib/ml/out-of-core/budget';
import type { TrainingData } from '../../lib/ml/out-of-core/shards';
import { countSplitRows, readAbtSplit, writeAbtSplitShards } from './abt-reader';

export interface TrainingDataSettings {
  /** TRAINING_MEMORY_BUDGET_MB in bytes: above it, the train and validation splits are streamed from disk. */
  memoryBudgetBytes?: number;
  /** Where streamed splits are written (TRAINING_CACHE_DIR; default: the OS temp folder). */
  cacheDir?: string;
}

export interface LoadedTrainingData {
  train: TrainingData;
  /** Absent when the validation split is empty. */
  validation?: TrainingData;
  /** 'streamed' when the splits were sharded to disk for out-of-core training. */
  mode: 'in-memory' | 'streamed';
  /** Bytes the two splits take as arrays, and the budget they were compared with. */
  arrayBytes: number;
  budgetBytes: number;
  /** Removes what was written to disk; call it when training is over (also after a failure). */
  release(): Promise<void>;
}

const PREFIX = 'mlops-train-';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the shard folders of trainings whose process is gone (a worker killed mid-training cannot clean up after
 * itself): each folder is named after its process id. Folders of live processes, this one's included, are kept.
 */
async function removeOrphanedShards(root: string): Promise<void> {
  for (const name of await readdir(root).catch(() => [])) {
    const pid = Number(/^mlops-train-(\d+)-/.exec(name)?.[1] ?? NaN);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) await rm(join(root, name), { recursive: true, force: true });
  }
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 3 : 0)} MB`;

/**
 * The train and validation splits of an ABT, as the candidate's kind will train on them: arrays in memory when they
 * fit the memory budget, else written once to local disk in blocks and streamed by the trainer (kinds with the
 * outOfCore capability). A kind that needs the whole split in memory is refused above the budget with an error that
 * names the budget, the setting and the sizes: never an out-of-memory crash halfway through training.
 */
export async function loadTrainingData(
  db: Db,
  input: {
    table: string;
    featureNames: string[];
    classification: boolean;
    kind: { name: string; capabilities: { outOfCore: boolean } };
    /** Names the folder of this training's shards (run, candidate, attempt). */
    label: string;
  } & TrainingDataSettings,
): Promise<LoadedTrainingData> {
  const budgetBytes = input.memoryBudgetBytes ?? DEFAULT_TRAINING_MEMORY_BUDGET_MB * 2 ** 20;
  const width = abtFeatureColumns(input.featureNames).length;
  const [trainRows, validationRows] = await Promise.all([
    countSplitRows(db, input.table, 'train'),
    countSplitRows(db, input.table, 'validation'),
  ]);
  const arrayBytes = splitArrayBytes(trainRows + validationRows, width);
  const read = { table: input.table, featureNames: input.featureNames, classification: input.classification };
  if (arrayBytes <= budgetBytes) {
    const [train, validation] = await Promise.all([
      readAbtSplit(db, { ...read, split: 'train' }),
      readAbtSplit(db, { ...read, split: 'validation' }),
    ]);
    const inMemory = { mode: 'in-memory' as const, arrayBytes, budgetBytes, release: () => Promise.resolve() };
    return { train, validation: validation.rowCount > 0 ? validation : undefined, ...inMemory };
  }
  if (!input.kind.capabilities.outOfCore) {
    throw new MlError({
      code: 'OVER_MEMORY_BUDGET',
      message:
        `The train and validation splits of ${input.table} (${trainRows + validationRows} rows × ${width} features) ` +
        `take ${mb(arrayBytes)} as arrays, over the training memory budget of ${mb(budgetBytes)} ` +
        `(TRAINING_MEMORY_BUDGET_MB). Model kind ${input.kind.name} needs the whole split in memory: raise ` +
        'TRAINING_MEMORY_BUDGET_MB on the training worker (it must have that memory), or train a dense kind, which ' +
        'streams a split over the budget from disk.',
      details: { rows: trainRows + validationRows, features: width, arrayBytes, budgetBytes },
    });
  }
  const root = input.cacheDir ?? tmpdir();
  await mkdir(root, { recursive: true });
  await removeOrphanedShards(root);
  const dir = await mkdtemp(join(root, `${PREFIX}${process.pid}-${input.label.replace(/[^A-Za-z0-9_.-]/g, '_')}-`));
  const release = () => rm(dir, { recursive: true, force: true });
  try {
    const layout = streamingLayout(budgetBytes, width);
    const shard = (split: 'train' | 'validation') =>
      writeAbtSplitShards(db, { ...read, split, dir: join(dir, split), ...layout });
    // One after the other: each COPY holds a connection and a block, and the disk writes sequentially.
    const train = await shard('train');
    const validation = validationRows > 0 ? await shard('validation') : undefined;
    return { train, validation, mode: 'streamed', arrayBytes, budgetBytes, release };
  } catch (error) {
    await release();
    throw error;
  }
}
