/**
 * Who is calling and what they may do: bearer JWTs checked by Plank itself ({@link TokenVerifier}), the caller they make
 * ({@link Caller}), and the grants and row bindings that decide what a caller reads and writes ({@link Access}).
 */
package io.plank.web.security;
