package io.catalogimage.common.loop;

import org.springframework.context.SmartLifecycle;

/**
 * A component whose work is one {@link PollingLoop}: its loop starts with the application and stops
 * before the beans it uses are closed.
 */
public interface RunsInLoop extends SmartLifecycle {

  /** The loop this component runs. */
  PollingLoop loop();

  @Override
  default void start() {
    loop().start();
  }

  @Override
  default void stop() {
    loop().stop();
  }

  @Override
  default boolean isRunning() {
    return loop().isRunning();
  }
}
