export * from './roles';
export * from './api-keys';
export { createJwtVerifier, type JwtSettings, type JwtVerifier } from './jwt';
export { createAuthenticator, type Authenticator, type AuthenticatorOptions, type Credentials } from './authenticator';
export * from './principals';
