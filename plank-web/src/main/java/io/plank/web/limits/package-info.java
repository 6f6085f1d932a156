/** Limits on what a request may ask of Plank, each answered with a documented error. */
package io.plank.web.limits;
