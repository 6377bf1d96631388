package io.catalogimage.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock tests set and move by hand instead of waiting for time to pass. Between moves it runs at
 * the real pace (pollers such as db-scheduler's wait for their interval on this clock).
 */
public final class MovableClock extends Clock {

  private volatile Duration offset;

  public MovableClock(Instant start) {
    this.offset = Duration.between(Instant.now(), start);
  }

  public void set(Instant instant) {
    offset = Duration.between(Instant.now(), instant);
  }

  public void advance(Duration by) {
    offset = offset.plus(by);
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(offset);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
