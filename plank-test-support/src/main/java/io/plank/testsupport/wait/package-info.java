/** Waiting with a deadline, for tests: the one poller. */
package io.plank.testsupport.wait;
