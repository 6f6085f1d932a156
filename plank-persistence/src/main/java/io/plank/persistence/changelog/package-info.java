/** The durable change log: one mapping of its rows to change events; replay for resuming clients, retention watermark, size. */
package io.plank.persistence.changelog;
