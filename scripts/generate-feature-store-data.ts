// Regenerates the feature-store example under pipelines/data/features/ (committed; deterministic for a seed):
// two feature-view sources with a history per customer, and the labelled entity dataframe of churn-features.yaml.
// Usage: npx tsx scripts/generate-feature-store-data.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/config/paths';
import { gaussian, pick, rng, toCsvText } from './generate-example-data';

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

interface Customer {
  id: number;
  contract: 'month-to-month' | 'one-year' | 'two-year';
  region: string;
  baseCharges: number;
  hasInternet: boolean;
  tenureAtStart: number;
  unhappiness: number;
  /** Support data stops after this month for some customers (their values go stale online). */
  lastSupportMonth: number;
}

export interface FeatureStoreExample {
  profile: string[][];
  support: string[][];
  labels: string[][];
}

/** Month m's snapshot (1st of the month) of a customer: what the profile view holds from then on. */
function profileAt(c: Customer, month: number) {
  return {
    tenure: c.tenureAtStart + month,
    charges: Math.round((c.baseCharges + month * 0.8) * 100) / 100,
    contract: c.contract === 'month-to-month' && month >= 8 && c.unhappiness < -0.8 ? 'one-year' : c.contract,
  };
}

/** Support calls in the 30 days before the 15th of month m: they rise before a customer leaves. */
function supportAt(c: Customer, month: number, rand: () => number) {
  const rate = Math.max(0.2, 1.2 + 1.1 * c.unhappiness + 0.15 * month * Math.max(0, c.unhappiness));
  const calls = Math.min(15, Math.floor(-Math.log(Math.max(rand(), 1e-9)) * rate));
  return { calls, hours: Math.round(Math.max(1, 6 + 4 * c.unhappiness + gaussian(rand) * 3) * 10) / 10 };
}

export function featureStoreExample(customers: number, seed: number): FeatureStoreExample {
  const rand = rng(seed);
  const profile: string[][] = [];
  const support: string[][] = [];
  const labels: string[][] = [];
  const all: Customer[] = [];
  for (let i = 0; i < customers; i += 1) {
    const contract = pick(rand, ['month-to-month', 'one-year', 'two-year'] as const, [0.55, 0.25, 0.2]);
    all.push({
      id: 1000 + i,
      contract,
      region: pick(rand, ['north', 'south', 'east', 'west'] as const, [0.3, 0.25, 0.25, 0.2]),
      baseCharges: 35 + rand() * 80,
      hasInternet: rand() < 0.7,
      tenureAtStart: Math.floor(rand() * (contract === 'month-to-month' ? 30 : 60)),
      unhappiness: gaussian(rand),
      lastSupportMonth: rand() < 0.1 ? 5 : 11,
    });
  }
  for (const c of all) {
    const calls: number[] = [];
    for (let m = 0; m < 12; m += 1) {
      const p = profileAt(c, m);
      profile.push([
        String(c.id),
        iso(Date.UTC(2024, m, 1)),
        String(p.tenure),
        p.charges.toFixed(2),
        p.contract,
        c.hasInternet ? 'true' : 'false',
        c.region,
      ]);
      const s = supportAt(c, m, rand);
      calls.push(s.calls);
      if (m <= c.lastSupportMonth) {
        support.push([String(c.id), iso(Date.UTC(2024, m, 15, 6)), String(s.calls), s.hours.toFixed(1)]);
      }
    }
    // One to three labelled moments per customer: will they churn within 30 days? The label depends on what was
    // known at that moment (the snapshot and the calls before it), so a join that leaks later values scores worse.
    const moments = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < moments; k += 1) {
      const at = START + Math.floor((20 + rand() * 320) * DAY);
      const month = new Date(at).getUTCMonth();
      const p = profileAt(c, month);
      const supportMonth = new Date(at).getUTCDate() >= 15 ? month : month - 1;
      const recentCalls = supportMonth >= 0 && supportMonth <= c.lastSupportMonth ? (calls[supportMonth] ?? 0) : 1;
      const channel = pick(rand, ['web', 'store', 'phone'] as const, [0.5, 0.3, 0.2]);
      const logit =
        -1.6 +
        (p.contract === 'month-to-month' ? 1.5 : p.contract === 'one-year' ? 0 : -1.3) -
        0.03 * p.tenure +
        0.02 * (p.charges - 70) +
        0.5 * recentCalls +
        (channel === 'phone' ? 0.6 : 0) +
        gaussian(rand) * 0.3;
      const churned = rand() < 1 / (1 + Math.exp(-logit));
      labels.push([String(c.id), iso(at), channel, churned ? 'yes' : 'no']);
    }
  }
  labels.sort((a, b) => (a[1] as string).localeCompare(b[1] as string) || Number(a[0]) - Number(b[0]));
  return { profile, support, labels };
}

export const PROFILE_HEADER = [
  'customer_id',
  'event_timestamp',
  'tenure_months',
  'monthly_charges',
  'contract',
  'has_internet',
  'region',
];
export const SUPPORT_HEADER = ['customer_id', 'event_timestamp', 'support_calls_30d', 'avg_resolution_hours'];
export const LABELS_HEADER = ['customer_id', 'event_timestamp', 'channel', 'churned'];

if (require.main === module) {
  const dir = join(PROJECT_ROOT, 'pipelines', 'data', 'features');
  mkdirSync(dir, { recursive: true });
  const example = featureStoreExample(600, 16);
  writeFileSync(join(dir, 'customer_profile.csv'), toCsvText(PROFILE_HEADER, example.profile));
  writeFileSync(join(dir, 'support_activity.csv'), toCsvText(SUPPORT_HEADER, example.support));
  writeFileSync(join(dir, 'churn_labels.csv'), toCsvText(LABELS_HEADER, example.labels));
  console.log(
    `wrote ${dir}: ${example.profile.length} profile rows, ${example.support.length} support rows, ${example.labels.length} labels`,
  );
}
