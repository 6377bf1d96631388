package io.catalogimage.worker.budget;

import java.util.Arrays;

/**
 * The calls of one budget second by second, for every replica together (the shared {@code
 * budget_seconds} rows): how many went (by their slot time) and how many of those the provider
 * answered 429. What the provider accepted in a span is what went minus what was refused, which is
 * what its sliding 60 s window counts.
 */
final class CallWindow {

  static final long MINUTE_MS = 60_000;

  private final long firstSec;
  private final int[] sent;
  private final int[] limited;

  /**
   * @param firstSec the epoch second of index 0
   */
  CallWindow(long firstSec, int[] sent, int[] limited) {
    if (sent.length != limited.length) {
      throw new IllegalArgumentException("sent and limited must cover the same seconds");
    }
    this.firstSec = firstSec;
    this.sent = sent;
    this.limited = limited;
  }

  /** No calls at all. */
  static CallWindow empty() {
    return new CallWindow(0, new int[0], new int[0]);
  }

  /** Seconds from {@code firstSec} to {@code lastSec}, all zero: filled with {@link #add}. */
  static CallWindow between(long firstSec, long lastSec) {
    int n = (int) Math.max(0, lastSec - firstSec + 1);
    return new CallWindow(firstSec, new int[n], new int[n]);
  }

  /** Adds counts to one second (ignored outside the window). */
  CallWindow add(long sec, int sentCalls, int limitedCalls) {
    int i = (int) (sec - firstSec);
    if (i >= 0 && i < sent.length) {
      sent[i] += sentCalls;
      limited[i] += limitedCalls;
    }
    return this;
  }

  int sentIn(long sec) {
    int i = (int) (sec - firstSec);
    return i >= 0 && i < sent.length ? sent[i] : 0;
  }

  int limitedIn(long sec) {
    int i = (int) (sec - firstSec);
    return i >= 0 && i < limited.length ? limited[i] : 0;
  }

  private int acceptedIn(long sec) {
    return Math.max(0, sentIn(sec) - limitedIn(sec));
  }

  /**
   * Calls the provider accepted with slot times in {@code (fromMs, toMs]}: whole seconds inside,
   * and the share of the two boundary seconds that lies inside (calls are spread evenly within a
   * second).
   */
  double acceptedBetween(long fromMs, long toMs) {
    if (toMs <= fromMs) {
      return 0;
    }
    double total = 0;
    for (long sec = Math.floorDiv(fromMs, 1000); sec <= Math.floorDiv(toMs - 1, 1000); sec++) {
      int n = acceptedIn(sec);
      if (n == 0) {
        continue;
      }
      long lo = Math.max(fromMs, sec * 1000);
      long hi = Math.min(toMs, sec * 1000 + 1000);
      total += n * (hi - lo) / 1000.0;
    }
    return total;
  }

  /** What the provider's 60 s window holds at {@code nowMs}, as far as we can count it. */
  double acceptedInLastMinute(long nowMs) {
    return acceptedBetween(nowMs - MINUTE_MS, nowMs);
  }

  /** Calls sent and refused in the seconds that overlap {@code [fromMs, toMs]}. */
  long[] countsBetween(long fromMs, long toMs) {
    long n = 0;
    long k = 0;
    for (long sec = Math.floorDiv(fromMs, 1000); sec <= Math.floorDiv(toMs, 1000); sec++) {
      n += sentIn(sec);
      k += limitedIn(sec);
    }
    return new long[] {n, k};
  }

  /**
   * The earliest moment at which enough of what the window holds at {@code nowMs} has left it for
   * its count to fall to {@code below} (accepted calls leave 60 s after their slot).
   */
  long roomAt(long nowMs, double below) {
    double excess = acceptedInLastMinute(nowMs) - below;
    if (excess <= 0) {
      return nowMs;
    }
    double left = 0;
    long x = nowMs - MINUTE_MS;
    while (left < excess && x < nowMs) {
      long next = Math.min(nowMs, (Math.floorDiv(x, 1000) + 1) * 1000);
      left += acceptedBetween(x, next);
      x = next;
    }
    return x + MINUTE_MS;
  }

  @Override
  public String toString() {
    return "CallWindow[from " + firstSec + ", sent " + Arrays.toString(sent) + "]";
  }
}
