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
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

/** A JWT's `sub`, read and not verified (which user's rows a persisted view holds; the server decides what it sends). */
export function jwtSubject(token: string): string | undefined {
  const sub = jwtClaims(token)?.sub;
  return typeof sub === 'string' && sub !== '' ? sub : undefined;
}

function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '=')));
    return claims && typeof claims === 'object' ? claims : undefined;
  } catch {
    return undefined;
  }
}
