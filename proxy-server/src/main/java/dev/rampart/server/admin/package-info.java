/**
 * The admin listener: Prometheus metrics, liveness and readiness, and read-only JSON views of the routes
 * and the breakers, on its own small Netty event loop. Depends on Netty, jackson-core and the config
 * records; what it shows comes in through {@link dev.rampart.server.admin.AdminSources} suppliers.
 */
package dev.rampart.server.admin;
