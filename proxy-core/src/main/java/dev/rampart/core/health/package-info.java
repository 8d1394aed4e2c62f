/**
 * Active health checking: a periodic probe of each endpoint of an upstream that has a
 * {@code health-check} section, and the per-endpoint health that load balancing reads. Breakers react
 * to live traffic; health checks take an endpoint out of rotation before traffic has to fail on it.
 */
package dev.rampart.core.health;
