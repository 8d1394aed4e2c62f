/**
 * The executable: command line, config loading and reload, the listeners (proxy and admin), signals and
 * graceful shutdown. Wires {@code proxy-core} together; {@code proxy-core} never depends on this module.
 */
package dev.rampart.server;
