package dev.rampart.core.upstream.balancing;

import java.util.List;
import java.util.function.Predicate;

/**
 * Chooses the endpoint for one attempt. One instance per upstream (round-robin keeps its position in
 * it), shared by every event loop; implementations are thread-safe and allocate nothing.
 *
 * <p>The caller decides eligibility: it excludes the endpoints this exchange already tried (when
 * {@code prefer-other-endpoint} asks for it) and those whose circuit breaker would refuse. The
 * predicate must be free of side effects, because a selector may test an endpoint more than once or
 * test endpoints it does not pick: ask a breaker whether it <em>would</em> admit a call, and acquire
 * the permit only for the endpoint returned (if that fails, mark it and select again).
 */
public interface EndpointSelector {

    /**
     * @param endpoints the upstream's endpoints; a random-access list ({@link List#of}, {@link List#copyOf})
     * @param eligible  which endpoints may take this attempt; called any number of times, no side effects
     * @return the chosen endpoint, or {@code null} when none is eligible
     */
    <E extends LoadAware> E select(List<E> endpoints, Predicate<? super E> eligible);

    /**
     * As {@link #select}, for a retry of a request that had its pick: a selector that takes turns (round-robin)
     * takes it in a rotation of retries, not in that of first attempts. Were a retry to take a turn of the
     * first attempts, each failing request would move that rotation twice, and with two endpoints every
     * request would start on the same one: a failing endpoint would get every first attempt.
     */
    default <E extends LoadAware> E selectForRetry(List<E> endpoints, Predicate<? super E> eligible) {
        return select(endpoints, eligible);
    }

    /**
     * As {@link #select}, for a request that has a key (its hash, by {@link KeyHash}): a selector that places
     * requests by key ({@code consistent-hash}) takes the first eligible endpoint at or after the key on its
     * ring, so that the same key keeps going to the same endpoint, and a retry that excludes the endpoints it
     * tried goes on to the next one on the ring. The others ignore the key.
     */
    default <E extends LoadAware> E selectByKey(List<E> endpoints, Predicate<? super E> eligible, long keyHash) {
        return select(endpoints, eligible);
    }
}
