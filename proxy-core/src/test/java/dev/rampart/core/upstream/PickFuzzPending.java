package dev.rampart.core.upstream;

/** An attempt of a randomized pick test still in flight: its endpoint and the breaker phase that admitted it. */
record PickFuzzPending(Endpoint endpoint, long phase) {
}
