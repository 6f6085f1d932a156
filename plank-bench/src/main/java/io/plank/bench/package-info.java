/** Benchmarks that print figures for the listener; they assert nothing and run only on request. */
package io.plank.bench;
