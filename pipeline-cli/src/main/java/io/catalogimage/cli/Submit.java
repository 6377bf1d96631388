package io.catalogimage.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code submit <catalog>}: uploads a catalog (CSV, NDJSON or JSON) with the batch's options. The
 * file is streamed as it is (CSV and NDJSON: the options go as query parameters); a JSON file is a
 * whole submission or an array of items, the options set on it. Sent with an Idempotency-Key
 * (generated unless given), so a dropped connection is retried without making a second batch.
 */
final class Submit {

  static final Set<String> VALUED =
      Set.of(
          "--name",
          "--tier",
          "--lane",
          "--variant",
          "--preset",
          "--locales",
          "--template",
          "--style-guide",
          "--deadline",
          "--start-after",
          "--cost-cap",
          "--callback-url",
          "--idempotency-key",
          "--format",
          "--interval",
          "--timeout");
  static final Set<String> FLAGS = Set.of("--allow-safety-reroute", "--watch", "--quiet", "--json");

  /** Tries of a submission the api did not answer (same key: never a second batch). */
  private static final int TRIES = 3;

  private final Api api;
  private final PrintStream out;
  private final PrintStream err;

  Submit(Api api, PrintStream out, PrintStream err) {
    this.api = api;
    this.out = out;
    this.err = err;
  }

  /** What was accepted: the api's answer and the key it was sent with. */
  record Accepted(JsonNode batch, String idempotencyKey, boolean replayed) {}

  Accepted run(Args args) throws InterruptedException {
    Path file = Path.of(args.single("catalog file (CSV, NDJSON or JSON)"));
    if (!Files.isReadable(file) || Files.isDirectory(file)) {
      throw new CliFailure(ExitCode.REFUSED, "cannot read " + file);
    }
    String format = format(file, args.value("--format"));
    String key = args.value("--idempotency-key");
    if (key == null) {
      key = UUID.randomUUID().toString();
    }
    String name = args.value("--name");
    if (name == null) {
      String fileName = file.getFileName().toString();
      int dot = fileName.lastIndexOf('.');
      name = dot > 0 ? fileName.substring(0, dot) : fileName;
    }
    Instant now = Instant.now();
    List<Map.Entry<String, String>> query = new ArrayList<>();
    HttpRequest.BodyPublisher body;
    String contentType;
    if (format.equals("json")) {
      contentType = "application/json";
      byte[] json = jsonSubmission(file, args, name, now);
      body = HttpRequest.BodyPublishers.ofByteArray(json);
    } else {
      contentType = format.equals("csv") ? "text/csv" : "application/x-ndjson";
      query.add(Map.entry("name", name));
      option(query, "tier", args.value("--tier"));
      option(query, "lane", args.value("--lane"));
      for (String v : args.values("--variant")) {
        query.add(Map.entry("variant", v));
      }
      option(query, "variantPreset", args.value("--preset"));
      option(query, "altTextLocales", args.value("--locales"));
      option(query, "promptTemplate", args.value("--template"));
      option(query, "styleGuide", args.value("--style-guide"));
      option(query, "deadline", instant(args, "--deadline", now));
      option(query, "startAfter", instant(args, "--start-after", now));
      option(query, "costCapUsd", args.value("--cost-cap"));
      option(query, "callbackUrl", args.value("--callback-url"));
      if (args.flag("--allow-safety-reroute")) {
        query.add(Map.entry("allowSafetyReroute", "true"));
      }
      body = null;
    }
    for (int attempt = 1; ; attempt++) {
      try {
        HttpRequest.BodyPublisher publisher = body != null ? body : ofFile(file);
        Api.Answer answer =
            api.submit(contentType, publisher, query, key, file.getFileName().toString());
        boolean replayed =
            answer.headers().firstValue("Idempotent-Replayed").orElse("").equals("true");
        return new Accepted(answer.body(), key, replayed);
      } catch (CliFailure e) {
        boolean retry =
            e instanceof Api.Unreachable
                || (e instanceof Api.Refused r
                    && (r.status() == 502 || r.status() == 503 || r.status() == 504));
        if (!retry || attempt >= TRIES) {
          throw new CliFailure(
              e.exitCode(),
              e.getMessage()
                  + (retry
                      ? "\n  Send it again with --idempotency-key "
                          + key
                          + resolvedTimes(args, now)
                          + ": if the api did accept it, you get the same batch back"
                      : ""),
              e);
        }
        long wait = attempt == 1 ? 1 : 4;
        err.println(
            "submission not answered ("
                + e.getMessage().lines().findFirst().orElse("")
                + "); sending it again in "
                + wait
                + " s with the same Idempotency-Key");
        Thread.sleep(Duration.ofSeconds(wait).toMillis());
      }
    }
  }

  /** Tells the merchant what was accepted and what to run next. */
  void print(Accepted accepted, boolean quiet, boolean json) {
    JsonNode b = accepted.batch();
    if (json) {
      out.println(b.toString());
      return;
    }
    String id = b.path("id").asString();
    if (quiet) {
      out.println(id);
      return;
    }
    out.printf(
        Locale.ROOT,
        "Accepted%s: batch %s \"%s\": %d products, %d items%n",
        accepted.replayed() ? " (already, with this Idempotency-Key: the same batch)" : "",
        id,
        b.path("name").asString(""),
        b.path("productCount").asLong(),
        b.path("itemCount").asLong());
    if (b.hasNonNull("eta")) {
      Instant eta = Instant.parse(b.path("eta").asString());
      out.printf(
          "  ETA %s (in %s, %s)%n",
          Texts.clock(eta),
          Texts.duration(Duration.between(Instant.now(), eta)),
          b.path("etaBasis").asString("from the budgets"));
    }
    if (b.hasNonNull("atRisk")) {
      out.println("  AT RISK: " + b.path("atRisk").asString());
    }
    out.println("  Idempotency-Key: " + accepted.idempotencyKey());
    out.println("Follow it:  pipeline watch " + id);
    out.println("Results:    pipeline results " + id + " --out ./images");
  }

  private static HttpRequest.BodyPublisher ofFile(Path file) {
    try {
      return HttpRequest.BodyPublishers.ofFile(file);
    } catch (IOException e) {
      throw new CliFailure(ExitCode.REFUSED, "cannot read " + file + ": " + e.getMessage());
    }
  }

  static String format(Path file, String given) {
    String f = given;
    if (f == null) {
      String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
      if (n.endsWith(".csv")) {
        f = "csv";
      } else if (n.endsWith(".ndjson") || n.endsWith(".jsonl")) {
        f = "ndjson";
      } else if (n.endsWith(".json")) {
        f = "json";
      } else {
        throw new CliFailure(
            ExitCode.USAGE,
            "cannot tell the format of " + file.getFileName() + ": give --format csv|ndjson|json");
      }
    }
    if (!Set.of("csv", "ndjson", "json").contains(f)) {
      throw new CliFailure(ExitCode.USAGE, "--format must be csv, ndjson or json, not " + f);
    }
    return f;
  }

  /** A JSON file: a submission whose options the command line sets, or an array of items. */
  private static byte[] jsonSubmission(Path file, Args args, String name, Instant now) {
    JsonNode parsed;
    try {
      parsed = Api.JSON.readTree(file.toFile());
    } catch (RuntimeException e) {
      throw new CliFailure(
          ExitCode.REFUSED, file.getFileName() + " is not JSON: " + e.getMessage());
    }
    ObjectNode submission;
    if (parsed.isArray()) {
      submission = Api.JSON.createObjectNode();
      submission.set("items", parsed);
    } else if (parsed.isObject()) {
      submission = (ObjectNode) parsed;
    } else {
      throw new CliFailure(
          ExitCode.REFUSED,
          file.getFileName() + ": a submission object or an array of items was expected");
    }
    if (args.value("--name") != null || !submission.has("name")) {
      submission.put("name", name);
    }
    set(submission, "tier", args.value("--tier"));
    set(submission, "lane", args.value("--lane"));
    if (!args.values("--variant").isEmpty()) {
      ArrayNode variants = submission.putArray("variants");
      for (String v : args.values("--variant")) {
        variants.add(variant(v));
      }
    }
    set(submission, "variantPreset", args.value("--preset"));
    if (args.value("--locales") != null) {
      ArrayNode locales = submission.putArray("altTextLocales");
      for (String l : args.value("--locales").split("\\s*,\\s*")) {
        locales.add(l);
      }
    }
    set(submission, "promptTemplate", args.value("--template"));
    set(submission, "styleGuide", args.value("--style-guide"));
    set(submission, "deadline", instant(args, "--deadline", now));
    set(submission, "startAfter", instant(args, "--start-after", now));
    if (args.value("--cost-cap") != null) {
      try {
        submission.put("costCapUsd", new java.math.BigDecimal(args.value("--cost-cap")));
      } catch (NumberFormatException e) {
        throw new CliFailure(ExitCode.USAGE, "--cost-cap must be a number of USD");
      }
    }
    set(submission, "callbackUrl", args.value("--callback-url"));
    if (args.flag("--allow-safety-reroute")) {
      submission.put("allowSafetyReroute", true);
    }
    return Api.JSON.writeValueAsBytes(submission);
  }

  /** {@code name:aspectRatio:size}, the ratio containing a colon ({@code banner:4:1:2K}). */
  private static JsonNode variant(String text) {
    String[] p = text.split(":");
    if (p.length != 4) {
      throw new CliFailure(
          ExitCode.USAGE,
          "--variant '" + text + "' is not name:aspectRatio:size, e.g. listing:1:1:1K");
    }
    ObjectNode v = Api.JSON.createObjectNode();
    v.put("name", p[0]);
    v.put("aspectRatio", p[1] + ":" + p[2]);
    v.put("size", p[3]);
    return v;
  }

  /**
   * A time given relative to now ({@code 2h}) as the instant this submission sent: the key covers
   * the options, so a resubmission must send the same instant to get the same batch back.
   */
  private static String resolvedTimes(Args args, Instant now) {
    StringBuilder times = new StringBuilder();
    for (String option : List.of("--deadline", "--start-after")) {
      String given = args.value(option);
      String sent = instant(args, option, now);
      if (given != null && !given.strip().equals(sent)) {
        times.append(' ').append(option).append(' ').append(sent);
      }
    }
    return times.toString();
  }

  private static String instant(Args args, String option, Instant now) {
    String v = args.value(option);
    return v == null ? null : Texts.instant(v, now, option);
  }

  private static void option(List<Map.Entry<String, String>> query, String name, String value) {
    if (value != null) {
      query.add(Map.entry(name, value));
    }
  }

  private static void set(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }
}
