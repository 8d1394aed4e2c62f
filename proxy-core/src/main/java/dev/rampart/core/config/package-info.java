/**
 * The configuration model: immutable records for every key of the HOCON schema, the loader that
 * turns a file into them (with file, line and key path in every error), and the warnings that
 * {@code --check} prints. Depends on Typesafe Config only; nothing here knows about Netty.
 *
 * <p>Public: the records, {@code ConfigLoader} (and the {@code LocatedConfig} it can return, which says
 * where each key is written), {@code ConfigException}, {@code ConfigWarnings} and
 * {@code EffectiveConfigRenderer}. The binders ({@code *Binder}, one per part of the tree) and their
 * reading helpers are package-private: each binder reads its keys through a {@code ConfigSection},
 * which both applies the default and learns the known keys, so unknown-key detection needs no
 * second list of key names.
 */
package dev.rampart.core.config;
