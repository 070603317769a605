import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AuthError, highestRole, type Principal } from './roles';

export interface JwtSettings {
  jwksUrl: string;
  /** Both required: without them a token the identity provider minted for another application would pass. */
  issuer: string;
  audience: string;
  /** Accepted signature algorithms (never `none`, never HMAC with a public key). */
  algorithms: string[];
  /** Claim holding the caller's roles (a string or an array of strings). */
  rolesClaim: string;
  /** Claim used as the caller's identity in audit rows and approver lists. */
  identityClaim: string;
}

export type JwtVerifier = (token: string) => Promise<Principal>;

function claimStrings(payload: JWTPayload, claim: string): string[] {
  const value = payload[claim];
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Verifies bearer JWTs against the identity provider's JWKS (fetched and cached by jose, refreshed on new kids). */
export function createJwtVerifier(settings: JwtSettings, keys?: JWTVerifyGetKey): JwtVerifier {
  const jwks = keys ?? createRemoteJWKSet(new URL(settings.jwksUrl));
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: settings.algorithms,
        // A token without an expiry would be valid forever once leaked.
        requiredClaims: ['exp'],
        clockTolerance: 30,
      }));
    } catch (err) {
      const reason = (err as { code?: string }).code ?? 'verification failed';
      throw new AuthError(401, 'INVALID_CREDENTIALS', `The bearer token was rejected (${reason}): sign in again.`);
    }
    const identity = payload[settings.identityClaim];
    if (typeof identity !== 'string' || !identity) {
      throw new AuthError(
        401,
        'INVALID_CREDENTIALS',
        `The bearer token has no "${settings.identityClaim}" claim to identify the caller.`,
      );
    }
    const role = highestRole(claimStrings(payload, settings.rolesClaim));
    if (!role) {
      throw new AuthError(
        403,
        'NO_ROLE',
        `${identity} has no mlops role in the token's "${settings.rolesClaim}" claim (expected viewer, operator, approver, admin or predictor).`,
      );
    }
    return { id: identity, role, via: 'jwt' };
  };
}
