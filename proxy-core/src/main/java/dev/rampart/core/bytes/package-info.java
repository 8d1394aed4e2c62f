/**
 * Buffer handling shared by both sides of the proxy: {@code HeldParts}, which gathers the body parts of one
 * read into one buffer to write, copying small parts together so that memory follows the bytes, not the
 * number of parts a peer chose to send them in; and {@code GzipEncoder}, which compresses a relayed body into
 * gzip as it streams.
 */
package dev.rampart.core.bytes;
