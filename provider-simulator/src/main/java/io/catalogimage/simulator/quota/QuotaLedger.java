package io.catalogimage.simulator.quota;

import io.catalogimage.simulator.config.QuotaLimits;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Accepted requests per project x model: sliding 60 s windows for requests and images, and a
 * per-day counter that resets at midnight Pacific ("RPD resets at midnight Pacific time"). Only
 * accepted requests are recorded, so a refused request never consumes quota. Times come from the
 * simulator clock.
 */
public final class QuotaLedger {
  public static final ZoneId PACIFIC = ZoneId.of("America/Los_Angeles");
  static final Duration WINDOW = Duration.ofSeconds(60);

  private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  /** The bucket of one project x model; check and record while holding its monitor. */
  public Bucket bucket(String project, String model) {
    return buckets.computeIfAbsent(project + '\n' + model, k -> new Bucket());
  }

  /** Forgets all usage (quota windows and daily counters). */
  public void reset() {
    buckets.clear();
  }

  /** Real time from {@code now} until the next 00:00 America/Los_Angeles. */
  public static Duration untilPacificMidnight(Instant now) {
    Instant midnight =
        now.atZone(PACIFIC).toLocalDate().plusDays(1).atStartOfDay(PACIFIC).toInstant();
    return Duration.between(now, midnight);
  }

  /** Usage of one project x model. Not thread-safe by itself: callers synchronize on it. */
  public static final class Bucket {
    private record Entry(Instant at, int images) {}

    private final ArrayDeque<Entry> minute = new ArrayDeque<>();
    private long imagesInWindow;
    private LocalDate day;
    private long usedToday;

    /** Why one more request of {@code images} images would exceed {@code limits}, if it would. */
    public Optional<QuotaViolation> check(QuotaLimits limits, int images, Instant now) {
      prune(now);
      rollDay(now);
      if (limits.rpd() == 0) {
        return Optional.of(new QuotaViolation(QuotaDimension.REQUESTS_PER_DAY, 0, usedToday, null));
      }
      if (limits.rpm() == 0) {
        return Optional.of(
            new QuotaViolation(QuotaDimension.REQUESTS_PER_MINUTE, 0, minute.size(), null));
      }
      if (limits.ipm() == 0) {
        return Optional.of(
            new QuotaViolation(QuotaDimension.IMAGES_PER_MINUTE, 0, imagesInWindow, null));
      }
      if (usedToday + 1 > limits.rpd()) {
        return Optional.of(
            new QuotaViolation(
                QuotaDimension.REQUESTS_PER_DAY,
                limits.rpd(),
                usedToday,
                untilPacificMidnight(now)));
      }
      QuotaViolation worst = null;
      if (minute.size() + 1 > limits.rpm()) {
        // The slot frees when the entry at index (size - rpm) leaves the window.
        Instant frees = nth(minute.size() - (int) Math.min(limits.rpm(), minute.size()));
        worst =
            new QuotaViolation(
                QuotaDimension.REQUESTS_PER_MINUTE, limits.rpm(), minute.size(), wait(frees, now));
      }
      if (imagesInWindow + images > limits.ipm()) {
        QuotaViolation byImages =
            new QuotaViolation(
                QuotaDimension.IMAGES_PER_MINUTE,
                limits.ipm(),
                imagesInWindow,
                wait(whenImagesFree(imagesInWindow + images - limits.ipm()), now));
        if (worst == null || byImages.retryAfter().compareTo(worst.retryAfter()) > 0) {
          worst = byImages;
        }
      }
      return Optional.ofNullable(worst);
    }

    /** Requests counted in the 60 s window at {@code now}. */
    public int inWindow(Instant now) {
      prune(now);
      return minute.size();
    }

    /** Until the oldest counted request leaves the window (zero when it is empty). */
    public Duration untilOldestLeaves(Instant now) {
      prune(now);
      return minute.isEmpty() ? Duration.ZERO : wait(minute.peekFirst().at(), now);
    }

    public void record(int images, Instant now) {
      minute.addLast(new Entry(now, images));
      imagesInWindow += images;
      rollDay(now);
      usedToday++;
    }

    private void prune(Instant now) {
      Instant cutoff = now.minus(WINDOW);
      while (!minute.isEmpty() && !minute.peekFirst().at().isAfter(cutoff)) {
        imagesInWindow -= minute.pollFirst().images();
      }
    }

    private void rollDay(Instant now) {
      LocalDate today = now.atZone(PACIFIC).toLocalDate();
      if (!today.equals(day)) {
        day = today;
        usedToday = 0;
      }
    }

    private Instant nth(int index) {
      Iterator<Entry> it = minute.iterator();
      Entry e = it.next();
      for (int i = 0; i < index && it.hasNext(); i++) {
        e = it.next();
      }
      return e.at();
    }

    /** When enough of the oldest entries have left the window to free {@code excess} images. */
    private Instant whenImagesFree(long excess) {
      long freed = 0;
      Instant last = null;
      for (Entry e : minute) {
        freed += e.images();
        last = e.at();
        if (freed >= excess) {
          return e.at();
        }
      }
      // More images than the limit allows at all: the best hint is "after the window empties".
      return last;
    }

    private static Duration wait(Instant frees, Instant now) {
      if (frees == null) {
        return WINDOW;
      }
      Duration d = Duration.between(now, frees.plus(WINDOW));
      return d.isNegative() ? Duration.ZERO : d;
    }
  }
}
