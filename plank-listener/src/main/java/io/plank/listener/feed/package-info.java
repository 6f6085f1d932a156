/** The LISTEN connection: PostgreSQL notifications in, CDI {@link io.plank.domain.change.ChangeEvent}s out. */
package io.plank.listener.feed;
