import { ed25519 } from '@noble/curves/ed25519';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';

// Who may decide a run, and how a decision proves it came from the API. Pure code (no Node builtins), so that the
// workflow's update validator, the API and the activities that write to production apply the same rules.
//
// The API signs each decision with an Ed25519 private key only it holds; workflows and workers hold the public
// keys. So neither Temporal access (sending an update by hand) nor a compromised worker can produce a decision:
// only the API, after authenticating the approver, can.

export interface DecisionClaims {
  runId: string;
  decision: 'approved' | 'rejected';
  /** The approver: a principal id (API key holder or JWT subject). */
  by: string;
  reason: string;
  /** When the API accepted the decision (ISO 8601). */
  at: string;
  /** The API key the approver used (audit); absent for JWT callers. */
  keyId?: string;
  /**
   * The delivery strategy the approver chose (approvals only): overrides the spec's deployment.strategy for this
   * run. Absent: the spec decides (and the signed message is the one decisions had before this field).
   */
  strategy?: 'direct' | 'canary';
}

export interface SignedDecision extends DecisionClaims {
  /** Id of the signing key (several may be valid during a rotation). */
  signer: string;
  /** Ed25519 signature of decisionMessage(claims), hex. */
  signature: string;
}

/** Verification keys by id: hex-encoded 32-byte Ed25519 public keys. */
export type VerificationKeys = Record<string, string>;

const MESSAGE_VERSION = 'mlops-approval-v1';

/** The exact bytes that are signed: a fixed-order JSON array, so no two claim sets share a message. */
export function decisionMessage(claims: DecisionClaims): Uint8Array {
  const fields = [
    MESSAGE_VERSION,
    claims.runId,
    claims.decision,
    claims.by,
    claims.reason,
    claims.at,
    claims.keyId ?? null,
  ];
  if (claims.strategy !== undefined) fields.push(claims.strategy);
  return utf8ToBytes(JSON.stringify(fields));
}

export function signDecision(claims: DecisionClaims, signer: { id: string; privateKeyHex: string }): SignedDecision {
  const signature = bytesToHex(ed25519.sign(decisionMessage(claims), hexToBytes(signer.privateKeyHex)));
  return { ...claims, signer: signer.id, signature };
}

export function publicKeyOf(privateKeyHex: string): string {
  return bytesToHex(ed25519.getPublicKey(hexToBytes(privateKeyHex)));
}

/** Why a decision is not authentic, or undefined when its signature verifies under a known key for this run. */
export function decisionSignatureProblem(
  decision: Partial<SignedDecision>,
  expected: { runId: string },
  keys: VerificationKeys,
): string | undefined {
  if (!decision.signature || !decision.signer) {
    return 'the decision is not signed: decisions are accepted only through the mlops API';
  }
  const key = keys[decision.signer];
  if (!key) return `the decision is signed with an unknown key "${decision.signer}"`;
  if (decision.decision !== 'approved' && decision.decision !== 'rejected') return 'the decision is malformed';
  // The run is the one verifying, never a field of the decision: a decision signed for another run does not verify.
  const claims: DecisionClaims = {
    runId: expected.runId,
    decision: decision.decision,
    by: decision.by ?? '',
    reason: decision.reason ?? '',
    at: decision.at ?? '',
    keyId: decision.keyId,
    ...(decision.strategy !== undefined ? { strategy: decision.strategy } : {}),
  };
  try {
    if (ed25519.verify(hexToBytes(decision.signature), decisionMessage(claims), hexToBytes(key))) return undefined;
  } catch {
    // malformed hex or key: reported below
  }
  return 'the decision signature does not verify';
}

export interface ApprovalPolicy {
  /** Principal ids allowed to decide; empty: anyone with the approver role. */
  approvers: readonly string[];
  /** The run's starter (or its schedule's creator) may not decide it. */
  fourEyes: boolean;
  /** Who started the run; undefined for system-started runs (drift retraining). */
  startedBy?: string;
}

export interface ApprovalRefusal {
  type: 'NotAnApprover' | 'SelfApproval' | 'InvalidApprovalRequest';
  message: string;
}

/**
 * Whether `by` may make this decision under the policy (the one rule the API and the workflow both apply). The
 * four-eyes rule guards approvals only: a starter may always withdraw (reject) their own run.
 */
export function approvalRefusal(
  policy: ApprovalPolicy,
  request: { by: string; decision: 'approved' | 'rejected' },
  runId: string,
): ApprovalRefusal | undefined {
  const { by } = request;
  if (!by.trim()) return { type: 'InvalidApprovalRequest', message: 'The approver identity is required' };
  if (policy.approvers.length > 0 && !policy.approvers.includes(by)) {
    return {
      type: 'NotAnApprover',
      message: `${by} is not an approver of run ${runId}; the pipeline spec allows: ${policy.approvers.join(', ')}`,
    };
  }
  if (request.decision === 'approved' && policy.fourEyes && policy.startedBy === by) {
    return {
      type: 'SelfApproval',
      message: `${by} started run ${runId} and may not also approve it (four-eyes rule): ask another approver`,
    };
  }
  return undefined;
}
