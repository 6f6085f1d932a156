/** Which tables carry Plank's change-capture trigger. */
package io.plank.persistence.capture;
