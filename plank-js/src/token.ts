import type { TokenGrant } from './types.js';

/** A token as given, with the expiry of a JWT read from its `exp` when none was given. */
export function normalizeToken(value: string | TokenGrant | null | undefined): TokenGrant | null {
  if (!value) return null;
  const grant = typeof value === 'string' ? { token: value } : value;
  if (typeof grant.token !== 'string' || grant.token === '') return null;
  if (grant.expiresAt !== undefined) return grant;
  const exp = jwtExpiry(grant.token);
  return exp === undefined ? grant : { token: grant.token, expiresAt: exp };
}

/** When the grant stops being valid, ms since the epoch (undefined when nobody said). */
export function expiryOf(grant: TokenGrant): number | undefined {
  return grant.expiresAt instanceof Date ? grant.expiresAt.getTime() : grant.expiresAt;
}

/**
 * A JWT's `exp` in ms. The payload is only read, never verified: the client learns when to refresh, the server
 * decides whether the token is any good.
 */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='))).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
