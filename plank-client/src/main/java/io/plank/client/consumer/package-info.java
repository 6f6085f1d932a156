/** Exactly-once processing of Plank's changes into a service's own database, its position kept in the same transaction. */
package io.plank.client.consumer;
