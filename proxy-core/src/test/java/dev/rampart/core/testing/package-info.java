/**
 * Test support shared by both modules (through proxy-core's test jar): the leak recorder that makes
 * any Netty leak report fail the build, fake upstreams that misbehave like real servers, and
 * clients for raw and well-formed requests.
 */
package dev.rampart.core.testing;
