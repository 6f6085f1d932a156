/** In-container tests: the application's beans on Payara Micro against a real PostgreSQL, through Arquillian. */
package io.plank.web.incontainer;
