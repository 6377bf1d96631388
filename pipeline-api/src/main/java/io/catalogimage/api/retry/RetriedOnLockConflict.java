package io.catalogimage.api.retry;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.resilience.annotation.Retryable;

/**
 * A transactional request operation that PostgreSQL may roll back to break a lock cycle (a
 * deadlock, a serialization failure) is run again whole, in a new transaction, a few times before
 * the request is answered 503. Workers take the same rows in their own order (a settle: its item,
 * its state counters, then the batch's or tenant's committed spend), and a batch-wide request takes
 * the batch first: no single order serves both, so the loser retries, as PostgreSQL's manual
 * advises.
 *
 * <p>Only on methods whose every argument is a value and whose only effects are in the database: an
 * upload's body stream cannot be read twice. Placed outside the transaction (Spring's retry advice
 * goes before existing advisors), so each try has a transaction of its own.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Retryable(
    predicate = LostLockConflict.class,
    maxRetries = 4,
    delay = 50,
    jitter = 25,
    multiplier = 2,
    maxDelay = 1000)
public @interface RetriedOnLockConflict {}
