/** What operators watch: the JSON status resource (the health checks live with the listener). */
package io.plank.web.status;
