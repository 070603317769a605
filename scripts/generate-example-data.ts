// Regenerates the example datasets under pipelines/data/ (committed; deterministic for a given seed).
// Usage: npx tsx scripts/generate-example-data.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/config/paths';

/** mulberry32: a small, well-mixed seeded PRNG, so the files are identical on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function pick<T>(rand: () => number, items: readonly T[], weights: readonly number[]): T {
  let r = rand() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < items.length; i += 1) {
    r -= weights[i] as number;
    if (r <= 0) return items[i] as T;
  }
  return items[items.length - 1] as T;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function churnRows(count: number, seed: number, shift = 0): string[][] {
  const rand = rng(seed);
  const rows: string[][] = [];
  for (let i = 0; i < count; i += 1) {
    const contract = pick(rand, ['month-to-month', 'one-year', 'two-year'] as const, [0.55, 0.25, 0.2]);
    const tenure = Math.max(1, Math.round(contract === 'month-to-month' ? 8 + rand() * 30 : 12 + rand() * 60));
    const monthly = Math.round((35 + rand() * 80 + gaussian(rand) * 5 + shift) * 100) / 100;
    const supportCalls = Math.min(12, Math.floor(-Math.log(Math.max(rand(), 1e-9)) * 1.6));
    const hasInternet = rand() < 0.7;
    const region = pick(rand, ['north', 'south', 'east', 'west'] as const, [0.3, 0.25, 0.25, 0.2]);
    const signup = Date.UTC(2020, 0, 1) + Math.floor(rand() * 4 * 365) * 86_400_000;
    const logit =
      -1.2 +
      (contract === 'month-to-month' ? 1.6 : contract === 'one-year' ? 0 : -1.4) -
      0.035 * tenure +
      0.018 * (monthly - 70) +
      0.45 * supportCalls +
      (hasInternet ? 0.3 : -0.2) +
      gaussian(rand) * 0.4;
    const churned = rand() < 1 / (1 + Math.exp(-logit));
    rows.push([
      `C${String(100000 + i)}`,
      String(tenure),
      monthly.toFixed(2),
      contract,
      String(supportCalls),
      hasInternet ? 'true' : 'false',
      region,
      isoDate(signup),
      churned ? 'yes' : 'no',
    ]);
  }
  return rows;
}

export const CHURN_HEADER = [
  'customer_id',
  'tenure_months',
  'monthly_charges',
  'contract',
  'support_calls',
  'has_internet',
  'region',
  'signup_date',
  'churned',
];

export function houseRows(count: number, seed: number): string[][] {
  const rand = rng(seed);
  const rows: string[][] = [];
  const hoods = ['riverside', 'old-town', 'hillcrest', 'industrial', 'lakeside'] as const;
  const premium: Record<(typeof hoods)[number], number> = {
    riverside: 1.15,
    'old-town': 1.05,
    hillcrest: 1.3,
    industrial: 0.8,
    lakeside: 1.4,
  };
  for (let i = 0; i < count; i += 1) {
    const hood = pick(rand, hoods, [0.25, 0.2, 0.2, 0.15, 0.2]);
    const sqft = Math.round(600 + rand() * 2800);
    const bedrooms = Math.max(1, Math.min(6, Math.round(sqft / 550 + gaussian(rand) * 0.6)));
    const bathrooms = Math.max(1, Math.min(4, Math.round(bedrooms / 1.6 + rand() * 0.8)));
    const yearBuilt = Math.round(1920 + rand() * 103);
    const garage = rand() < 0.6;
    const lot = Math.round(1500 + rand() * 9000);
    const price =
      (45_000 +
        155 * sqft +
        9_000 * bathrooms +
        4_000 * bedrooms +
        600 * (yearBuilt - 1920) +
        (garage ? 15_000 : 0) +
        2.5 * lot) *
        premium[hood] +
      gaussian(rand) * 18_000;
    rows.push([
      String(sqft),
      String(bedrooms),
      String(bathrooms),
      String(yearBuilt),
      hood,
      garage ? 'true' : 'false',
      String(lot),
      String(Math.round(price)),
    ]);
  }
  return rows;
}

export const HOUSE_HEADER = [
  'sqft',
  'bedrooms',
  'bathrooms',
  'year_built',
  'neighborhood',
  'has_garage',
  'lot_size',
  'price',
];

/**
 * Loan defaults: thresholds and interactions (credit score below ~620, debt-to-income above ~0.35 for short
 * employment) and a risk per 3-digit zip prefix (200 prefixes), the kind of data tree ensembles and entity
 * embeddings are for; a linear model on the raw columns misses most of it.
 */
export function loanRows(count: number, seed: number): string[][] {
  const rand = rng(seed);
  const zips = Array.from({ length: 200 }, (_, i) => String(100 + i * 4));
  const zipRisk = zips.map(() => gaussian(rand) * 0.6);
  const zipWeights = zips.map((_, i) => 1 / (1 + i / 20));
  const rows: string[][] = [];
  for (let i = 0; i < count; i += 1) {
    const income = Math.round(Math.exp(10.6 + gaussian(rand) * 0.45));
    const amount = Math.round((2_000 + rand() * 38_000) / 100) * 100;
    const term = rand() < 0.7 ? 36 : 60;
    const score = Math.round(Math.min(850, Math.max(300, 680 + gaussian(rand) * 70)));
    const employment = Math.min(40, Math.floor(-Math.log(Math.max(rand(), 1e-9)) * 6));
    const home = pick(rand, ['rent', 'mortgage', 'own'] as const, [0.45, 0.4, 0.15]);
    const purpose = pick(rand, ['debt', 'car', 'home', 'business', 'medical', 'other'] as const, [4, 2, 2, 1, 1, 2]);
    const zipIndex = zips.indexOf(pick(rand, zips, zipWeights));
    const applied = Date.UTC(2021, 0, 1) + Math.floor(rand() * 3 * 365) * 86_400_000;
    const dti = ((amount / term) * 12) / income;
    const logit =
      -2.6 +
      (score < 620 ? 2.6 : score < 680 ? 0.9 : -0.4) +
      (dti > 0.3 ? (employment < 3 ? 3.0 : 1.2) : 0) +
      (term === 60 ? 0.4 : 0) +
      (purpose === 'business' ? 0.7 : purpose === 'medical' ? 0.4 : 0) +
      (home === 'rent' ? 0.2 : 0) +
      (zipRisk[zipIndex] as number);
    const defaulted = rand() < 1 / (1 + Math.exp(-logit));
    rows.push([
      `L${String(500000 + i)}`,
      String(income),
      String(amount),
      String(term),
      String(score),
      String(employment),
      home,
      purpose,
      zips[zipIndex] as string,
      isoDate(applied),
      defaulted ? 'yes' : 'no',
    ]);
  }
  return rows;
}

export const LOAN_HEADER = [
  'loan_id',
  'income',
  'loan_amount',
  'term_months',
  'credit_score',
  'employment_years',
  'home_ownership',
  'purpose',
  'zip3',
  'application_date',
  'defaulted',
];

export function toCsvText(header: string[], rows: string[][]): string {
  return `${[header, ...rows].map((r) => r.join(',')).join('\n')}\n`;
}

if (require.main === module) {
  const dir = join(PROJECT_ROOT, 'pipelines', 'data');
  writeFileSync(join(dir, 'churn.csv'), toCsvText(CHURN_HEADER, churnRows(3000, 42)));
  writeFileSync(join(dir, 'house-prices.csv'), toCsvText(HOUSE_HEADER, houseRows(2000, 7)));
  writeFileSync(join(dir, 'loan-default.csv'), toCsvText(LOAN_HEADER, loanRows(4000, 11)));
  console.log(`wrote ${dir}/churn.csv, ${dir}/house-prices.csv and ${dir}/loan-default.csv`);
}
