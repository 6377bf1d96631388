package io.catalogimage.simulator.openai;

import io.catalogimage.simulator.engine.Verdict;
import io.catalogimage.simulator.http.HttpReply;
import java.time.Duration;

/**
 * The {@code x-ratelimit-*-requests} headers OpenAI and some gateways send (reference §5.5), when
 * {@code quotas.rateLimitHeaders} is on: the limit per minute, what is left of the current window,
 * and when it is full again, as a Go-style duration ({@code 12ms}, {@code 1.5s}, {@code 6m0s}).
 */
final class RateLimitHeaders {

  private RateLimitHeaders() {}

  static HttpReply add(HttpReply reply, Verdict.RateWindow window) {
    if (window == null) {
      return reply;
    }
    return reply
        .withHeader("x-ratelimit-limit-requests", Long.toString(window.limit()))
        .withHeader("x-ratelimit-remaining-requests", Long.toString(window.remaining()))
        .withHeader("x-ratelimit-reset-requests", goDuration(window.reset()));
  }

  /** {@code 250ms}, {@code 1.5s}, {@code 1m2s}: the shapes OpenAI's reset headers take. */
  static String goDuration(Duration d) {
    long ms = Math.max(0, d.toMillis());
    if (ms < 1000) {
      return ms + "ms";
    }
    long minutes = ms / 60_000;
    double seconds = (ms % 60_000) / 1000.0;
    String s =
        seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
    return minutes > 0 ? minutes + "m" + s + "s" : s + "s";
  }
}
