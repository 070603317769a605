import { randomBytes } from 'node:crypto';
import { decisionSignatureProblem, publicKeyOf, signDecision } from '../../../lib/governance/approval';

// The approver's choice of delivery strategy is part of the signed decision; decisions without one verify as before.

const signer = { id: 'api', privateKeyHex: randomBytes(32).toString('hex') };
const keys = { api: publicKeyOf(signer.privateKeyHex) };
const claims = {
  runId: 'run-1',
  decision: 'approved' as const,
  by: 'alice',
  reason: 'ok',
  at: '2026-12-02T08:00:00.000Z',
};

describe('a signed choice of delivery strategy', () => {
  it('verifies with the choice, and a decision without one verifies as before', () => {
    expect(
      decisionSignatureProblem(signDecision({ ...claims, strategy: 'canary' }, signer), { runId: 'run-1' }, keys),
    ).toBeUndefined();
    expect(decisionSignatureProblem(signDecision(claims, signer), { runId: 'run-1' }, keys)).toBeUndefined();
  });

  it('cannot be added, removed or changed without the API', () => {
    const plain = signDecision(claims, signer);
    const chosen = signDecision({ ...claims, strategy: 'canary' }, signer);
    const problem = /does not verify/;
    expect(decisionSignatureProblem({ ...plain, strategy: 'canary' }, { runId: 'run-1' }, keys)).toMatch(problem);
    expect(decisionSignatureProblem({ ...chosen, strategy: 'direct' }, { runId: 'run-1' }, keys)).toMatch(problem);
    const { strategy: _dropped, ...without } = chosen;
    expect(decisionSignatureProblem(without, { runId: 'run-1' }, keys)).toMatch(problem);
  });
});
