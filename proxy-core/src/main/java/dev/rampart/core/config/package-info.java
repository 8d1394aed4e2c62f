/**
 * The configuration model: immutable records for every key of the HOCON schema, the loader that
 * turns a file into them (with file, line and key path in every error), and the warnings that
 * {@code --check} prints. Depends on Typesafe Config only; nothing here knows about Netty.
 */
package dev.rampart.core.config;
