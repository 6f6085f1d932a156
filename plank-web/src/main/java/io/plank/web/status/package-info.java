/** What operators watch: MicroProfile Health checks and the JSON status resource. */
package io.plank.web.status;
