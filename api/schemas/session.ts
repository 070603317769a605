import { z } from 'zod';
import { Role } from '../../lib/auth/roles';
import { Timestamp } from './common';

export const SignInBody = z.object({
  credential: z
    .string()
    .trim()
    .min(1, 'paste an API key (mlk_...) or a token from your identity provider')
    .max(8192)
    .describe('An API key (mlk_...) or, when JWT sign-in is configured, a JWT from the identity provider'),
});

export const SessionView = z.object({
  principal: z.object({ id: z.string(), role: Role, via: z.string() }),
  csrfToken: z.string().describe('Send it as X-CSRF-Token on every request that is not a GET'),
  createdAt: Timestamp,
  expiresAt: Timestamp.describe('The session ends at this time at the latest'),
  idleExpiresAt: Timestamp.describe('The session ends at this time unless it is used before'),
});
export type SessionView = z.infer<typeof SessionView>;
