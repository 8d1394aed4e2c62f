/**
 * What the proxy tells the outside: request ids, the per-exchange record behind the access log and the
 * metrics, and the observer seam the server module plugs Micrometer and logback into. No Netty here.
 */
package dev.rampart.core.observe;
