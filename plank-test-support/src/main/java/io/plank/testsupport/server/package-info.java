/** The real plank.ear on a real Payara Server or WildFly: install, start, deploy, probe, stop. */
package io.plank.testsupport.server;
