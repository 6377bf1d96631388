package io.catalogimage.common.loop;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A background loop on its own named thread (DispatchDueItems, ReclaimExpiredLeases, ...). The task
 * returns true when more work is waiting, so a backlog drains without waiting out the interval;
 * {@link #wake()} runs it at once (e.g. right after a batch is accepted). As a {@link
 * SmartLifecycle} it stops before the beans it uses (DataSource, producer) are closed.
 */
public final class PollingLoop implements SmartLifecycle {

  /** One pass of the loop; true when it should run again right away. */
  @FunctionalInterface
  public interface Task {
    boolean runOnce() throws Exception;
  }

  private static final Logger log = LoggerFactory.getLogger(PollingLoop.class);

  private final String name;
  private final Duration interval;
  private final Task task;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition woken = lock.newCondition();
  private volatile boolean running;
  private boolean wakeRequested;
  private Thread thread;
  private int consecutiveFailures;

  public PollingLoop(String name, Duration interval, Task task) {
    this.name = name;
    this.interval = interval;
    this.task = task;
  }

  public void wake() {
    lock.lock();
    try {
      wakeRequested = true;
      woken.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    thread = new Thread(this::loop, name);
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void stop() {
    Thread t;
    synchronized (this) {
      running = false;
      t = thread;
    }
    wake();
    if (t != null) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
        if (t.isAlive()) {
          // stuck in a slow call (e.g. Kafka unreachable): interrupt it rather than hang shutdown
          t.interrupt();
          t.join(TimeUnit.SECONDS.toMillis(10));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  private void loop() {
    while (running) {
      boolean more = false;
      try {
        more = task.runOnce();
        if (consecutiveFailures > 0) {
          log.info("{} recovered after {} failed passes", name, consecutiveFailures);
        }
        consecutiveFailures = 0;
      } catch (Exception e) {
        consecutiveFailures++;
        // log the first failure in full, then once a minute-ish, not every pass
        if (consecutiveFailures == 1 || consecutiveFailures % 100 == 0) {
          log.warn("{} failed ({} in a row): {}", name, consecutiveFailures, e.toString(), e);
        }
      }
      if (!more) {
        awaitNextPass();
      }
    }
  }

  private void awaitNextPass() {
    long backoffFactor = Math.min(consecutiveFailures, 10) + 1L;
    long nanos = interval.toNanos() * backoffFactor;
    lock.lock();
    try {
      while (!wakeRequested && running && nanos > 0) {
        nanos = woken.awaitNanos(nanos);
      }
      wakeRequested = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    } finally {
      lock.unlock();
    }
  }
}
