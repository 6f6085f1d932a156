/** Capture by logical decoding: the decoder that reads Plank's replication slot and writes the change log. */
package io.plank.listener.logical;
