package io.catalogimage.cli;

import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** A batch told in a few lines: state, counts, cost by model, plan, and why items failed. */
final class BatchReport {

  /** States an item ends in without an image. */
  static final List<String> NOT_SUCCEEDED =
      List.of("FAILED", "BLOCKED", "CAP_REACHED", "CANCELLED");

  /** Items looked at per state to group failures by reason. */
  private static final int FAILURE_SAMPLE = 1000;

  private final Api api;
  private final PrintStream out;

  BatchReport(Api api, PrintStream out) {
    this.api = api;
    this.out = out;
  }

  static boolean finished(JsonNode batch) {
    return "COMPLETED".equals(batch.path("state").asString());
  }

  static long notSucceeded(JsonNode batch) {
    long n = 0;
    for (String s : NOT_SUCCEEDED) {
      n += batch.path("counts").path(s).asLong();
    }
    return n;
  }

  /** 0 when every item succeeded, 3 when the batch finished with others, 7 while it runs. */
  static int exitCode(JsonNode batch) {
    if (!finished(batch)) {
      return ExitCode.NOT_FINISHED;
    }
    return notSucceeded(batch) == 0 ? ExitCode.OK : ExitCode.FINISHED_WITH_FAILURES;
  }

  void print(JsonNode batch) {
    String id = batch.path("id").asString();
    out.printf(
        Locale.ROOT,
        "Batch %s%s: %s, %d of %d items done (%.1f%%)%n",
        id,
        batch.path("name").asString("").isEmpty()
            ? ""
            : " \"" + batch.path("name").asString() + "\"",
        batch.path("state").asString(),
        batch.path("progress").path("done").asLong(),
        batch.path("progress").path("total").asLong(),
        batch.path("progress").path("percent").asDouble());
    StringBuilder counts = new StringBuilder("  items:");
    for (var e : batch.path("counts").properties()) {
      if (e.getValue().asLong() > 0) {
        counts.append("  ").append(e.getKey()).append(' ').append(e.getValue().asLong());
      }
    }
    out.println(counts);
    out.printf(
        Locale.ROOT,
        "  cost: %s (tier %s)%n",
        Texts.money(batch.path("costUsd").asDouble()),
        batch.path("tier").asString("?"));
    for (var e : batch.path("costByModel").properties()) {
      JsonNode u = e.getValue();
      out.printf(
          Locale.ROOT,
          "    %-26s %6d calls %6d images  $%.4f%n",
          e.getKey(),
          u.path("calls").asLong(),
          u.path("images").asLong(),
          u.path("costUsd").asDouble());
    }
    JsonNode plan = batch.path("plan");
    StringBuilder p = new StringBuilder("  plan: lane " + plan.path("lane").asString("?"));
    appendTime(p, "deadline", plan.path("deadline"));
    if (!finished(batch)) {
      appendTime(p, "ETA", plan.path("eta"));
    }
    if (plan.hasNonNull("costCapUsd")) {
      p.append(", cost cap ").append(Texts.money(plan.path("costCapUsd").asDouble()));
    }
    appendTime(p, "waiting for peak hours to end at", plan.path("deferredUntil"));
    out.println(p);
    if (plan.hasNonNull("atRisk")) {
      out.println("  AT RISK: " + plan.path("atRisk").asString());
    }
  }

  private static void appendTime(StringBuilder b, String label, JsonNode value) {
    if (value.isString()) {
      b.append(", ").append(label).append(' ').append(Texts.clock(Instant.parse(value.asString())));
    }
  }

  /**
   * Items that did not succeed, grouped by state and reason, with an example of each: what a
   * merchant needs to decide whether a re-drive helps.
   */
  void printFailures(JsonNode batch) {
    String id = batch.path("id").asString();
    long total = notSucceeded(batch);
    if (total == 0) {
      return;
    }
    out.printf(Locale.ROOT, "  Not succeeded (%d), by reason:%n", total);
    for (String state : NOT_SUCCEEDED) {
      long n = batch.path("counts").path(state).asLong();
      if (n == 0) {
        continue;
      }
      Map<String, long[]> byReason = new LinkedHashMap<>();
      Map<String, String> example = new LinkedHashMap<>();
      JsonNode page =
          api.get("/v1/batches/" + id + "/items?state=" + state + "&limit=" + FAILURE_SAMPLE);
      for (JsonNode item : page.path("items")) {
        String reason =
            item.path("lastErrorType").asString("-")
                + ": "
                + shorten(
                    item.path("lastErrorMessage")
                        .asString(item.path("note").asString("no message")));
        byReason.computeIfAbsent(reason, r -> new long[1])[0]++;
        example.putIfAbsent(
            reason, item.path("sku").asString() + "/" + item.path("variant").asString());
      }
      byReason.entrySet().stream()
          .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
          .forEach(
              e ->
                  out.printf(
                      Locale.ROOT,
                      "    %-11s %5d  %s  (e.g. %s)%n",
                      state,
                      e.getValue()[0],
                      e.getKey(),
                      example.get(e.getKey())));
      if (n > FAILURE_SAMPLE) {
        out.printf(Locale.ROOT, "    (the first %d of %d %s items)%n", FAILURE_SAMPLE, n, state);
      }
    }
    out.println(
        "  Re-drive them with: pipeline retry " + id + " (FAILED, BLOCKED and CANCELLED items)");
  }

  private static String shorten(String s) {
    String one = s.replace('\n', ' ').strip();
    return one.length() > 110 ? one.substring(0, 107) + "..." : one;
  }
}
