// The canary plan's defaults, without zod: the spec schema (strategy.ts) fills missing fields with them, and the
// workflow uses them whole when an approver chooses a canary for a pipeline whose spec declares none.

export const DEFAULT_GUARDRAILS = {
  maxErrorRate: 0.02,
  maxLatencyRatio: 1.5,
  maxLatencyIncreaseMs: 50,
  maxAccuracyDrop: 0.05,
  maxRmseIncrease: 0.1,
  maxPredictionPsi: 0.2,
  minRequests: 50,
  minLabelled: 30,
  minLoggedRows: 100,
} as const;

export const DEFAULT_CANARY = {
  kind: 'canary',
  steps: [10, 50],
  stepDuration: '10m',
  guardrails: DEFAULT_GUARDRAILS,
  onLowTraffic: 'wait',
  maxWaits: 3,
} as const;
