import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createRng, type Dataset, type Rng } from '../../lib/ml';

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * Binary classification with `features` Gaussian inputs: the label is the sign of a fixed nonlinear score, so an MLP
 * has something to learn. Seeded: every backend trains on identical data.
 */
export function classificationSet(args: { rows: number; features: number; seed: number }): Dataset {
  const rng = createRng(args.seed);
  const { rows, features } = args;
  const x = new Float32Array(rows * features);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let score = 0;
    for (let j = 0; j < features; j++) {
      const v = gaussian(rng);
      x[i * features + j] = v;
      score += j % 2 === 0 ? v : v * v - 1;
    }
    y[i] = score > 0 ? 1 : 0;
  }
  return { x, y, rowCount: rows, featureCount: features };
}

const CITIES = ['Paris', 'Lyon', 'Nice', 'Lille', 'Nantes', 'Rennes', 'Brest', 'Metz', 'Dijon', 'Tours'];

/** One CSV row of the ETL benchmark set; every 10,000th row breaks an expectation (age out of range). */
function csvRow(i: number, rng: Rng): string {
  const age = i % 10_000 === 9_999 ? -5 : 18 + Math.floor(rng.next() * 70);
  const income = rng.next() < 0.02 ? '' : (20_000 + rng.next() * 80_000).toFixed(2);
  const city = CITIES[Math.floor(rng.next() * CITIES.length)] as string;
  const day = 1 + Math.floor(rng.next() * 28);
  const signup = `2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  const member = rng.next() < 0.3 ? 'true' : 'false';
  const score = gaussian(rng).toFixed(4);
  const label = rng.next() < 0.2 ? 'yes' : 'no';
  return `c${String(i).padStart(8, '0')},${age},${income},${city},${signup},${member},${score},${label}\n`;
}

export const ETL_HEADER = 'id,age,income,city,signup,member,score,churned\n';

/** Writes `rows` data rows to `path` with backpressure, so generating 1M rows needs little memory. */
export async function writeCustomerCsv(args: { path: string; rows: number; seed: number }): Promise<void> {
  const rng = createRng(args.seed);
  const out = createWriteStream(args.path);
  out.write(ETL_HEADER);
  let chunk = '';
  for (let i = 0; i < args.rows; i++) {
    chunk += csvRow(i, rng);
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
