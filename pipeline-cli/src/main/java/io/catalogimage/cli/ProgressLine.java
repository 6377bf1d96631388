package io.catalogimage.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One line that says where a batch stands: percent, a bar, counts by state, cost, and an ETA from
 * the pace seen so far (the api's plan until items finish).
 */
final class ProgressLine {

  /** How the states read, in the order shown: finished ones first. */
  private static final Map<String, String> LABELS = new LinkedHashMap<>();

  static {
    LABELS.put("SUCCEEDED", "succeeded");
    LABELS.put("FAILED", "failed");
    LABELS.put("BLOCKED", "blocked");
    LABELS.put("CAP_REACHED", "capped");
    LABELS.put("CANCELLED", "cancelled");
    LABELS.put("RUNNING", "running");
    LABELS.put("IN_PROVIDER_BATCH", "in provider batch");
    LABELS.put("QUEUED", "queued"); // DISPATCHED counts as queued: sent to Kafka, not yet taken
  }

  private static final Duration WINDOW = Duration.ofMinutes(2);
  private static final int BAR = 24;

  private record Sample(Instant at, long done) {}

  private final Deque<Sample> samples = new ArrayDeque<>();

  /** The line for this answer of {@code GET /v1/batches/{id}}, seen at {@code now}. */
  String render(JsonNode batch, Instant now, boolean withBar) {
    long done = batch.path("progress").path("done").asLong();
    long total = batch.path("progress").path("total").asLong();
    double percent = batch.path("progress").path("percent").asDouble();
    record(now, done);
    StringBuilder line = new StringBuilder();
    line.append(String.format(Locale.ROOT, "%5.1f%%", percent));
    if (withBar) {
      int filled = total == 0 ? BAR : (int) Math.min(BAR, done * BAR / Math.max(1, total));
      line.append(" [").append("#".repeat(filled)).append("-".repeat(BAR - filled)).append(']');
    }
    line.append(String.format(Locale.ROOT, "  %d/%d", done, total));
    Map<String, Long> counts = counts(batch.path("counts"));
    counts.forEach(
        (state, n) -> {
          if (n > 0) {
            line.append("  ").append(LABELS.get(state)).append(' ').append(n);
          }
        });
    line.append("  ").append(Texts.money(batch.path("costUsd").asDouble()));
    String eta = eta(batch, now, total - done);
    if (eta != null) {
      line.append("  ").append(eta);
    }
    return line.toString();
  }

  /** Counts by the labels above: DISPATCHED folded into QUEUED. */
  static Map<String, Long> counts(JsonNode counts) {
    Map<String, Long> out = new LinkedHashMap<>();
    LABELS.keySet().forEach(s -> out.put(s, 0L));
    for (var e : counts.properties()) {
      String state = e.getKey().equals("DISPATCHED") ? "QUEUED" : e.getKey();
      out.merge(LABELS.containsKey(state) ? state : "QUEUED", e.getValue().asLong(), Long::sum);
    }
    return out;
  }

  private void record(Instant now, long done) {
    samples.addLast(new Sample(now, done));
    while (samples.size() > 2 && samples.peekFirst().at().isBefore(now.minus(WINDOW))) {
      samples.removeFirst();
    }
  }

  /** Items per second over the last two minutes, or 0 before any finished in them. */
  double rate() {
    if (samples.size() < 2) {
      return 0;
    }
    Sample first = samples.peekFirst();
    Sample last = samples.peekLast();
    double seconds = Duration.between(first.at(), last.at()).toMillis() / 1000.0;
    return seconds <= 0 ? 0 : (last.done() - first.done()) / seconds;
  }

  private String eta(JsonNode batch, Instant now, long remaining) {
    if (remaining <= 0) {
      return null;
    }
    JsonNode plan = batch.path("plan");
    String deferred = plan.path("deferredUntil").asString(null);
    if (deferred != null && rate() == 0) {
      return "waiting for peak hours to end at " + Texts.clock(Instant.parse(deferred));
    }
    String risk = plan.hasNonNull("atRisk") ? "  AT RISK" : "";
    double rate = rate();
    if (rate > 0) {
      return "ETA " + Texts.duration(Duration.ofSeconds((long) Math.ceil(remaining / rate))) + risk;
    }
    String planned = plan.path("eta").asString(null);
    if (planned != null) {
      Instant at = Instant.parse(planned);
      return (at.isAfter(now) ? "ETA ~" + Texts.duration(Duration.between(now, at)) : "ETA soon")
          + " (plan)"
          + risk;
    }
    return risk.isEmpty() ? null : risk.strip();
  }
}
