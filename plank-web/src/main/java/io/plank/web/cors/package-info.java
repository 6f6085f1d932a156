/** Cross-origin access to the REST API for the origins an operator allows. */
package io.plank.web.cors;
