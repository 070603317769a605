// Child process of score.test.ts: writes a scored chunk as Parquet with lib/batch/encode (ESM-only writer, which
// Jest cannot load) and prints it base64-encoded.
import { scoredParquet } from '../../../lib/batch/encode';
import type { ScoredChunk } from '../../../lib/batch/score';

const chunk = JSON.parse(process.argv[2] ?? '{}') as ScoredChunk & { probabilities: number[] };
scoredParquet({ ...chunk, probabilities: Float32Array.from(chunk.probabilities) })
  .then((bytes) => process.stdout.write(Buffer.from(bytes).toString('base64')))
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
