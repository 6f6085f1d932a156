/** Errors as RFC 9457 {@code application/problem+json}: one small mapper per kind of failure. */
package io.plank.web.problems;
