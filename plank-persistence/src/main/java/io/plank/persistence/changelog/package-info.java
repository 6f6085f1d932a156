/** Reading the durable change log: replay for resuming clients, retention watermark, size. */
package io.plank.persistence.changelog;
