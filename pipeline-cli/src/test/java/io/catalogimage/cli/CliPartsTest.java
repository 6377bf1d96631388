package io.catalogimage.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpHeaders;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The client's pieces that need no server: options, problems, the progress line, file names. */
class CliPartsTest {

  private static JsonNode json(String text) {
    return Api.JSON.readTree(text);
  }

  @Test
  void options_take_values_both_ways_repeat_and_refuse_a_typo() {
    Args args =
        Args.parse(
            List.of("cat.csv", "--variant", "a:1:1:1K", "--variant=b:4:1:2K", "--watch"),
            Set.of("--variant"),
            Set.of("--watch"));

    assertThat(args.single("file")).isEqualTo("cat.csv");
    assertThat(args.values("--variant")).containsExactly("a:1:1:1K", "b:4:1:2K");
    assertThat(args.flag("--watch")).isTrue();
    assertThatThrownBy(() -> Args.parse(List.of("--varaint", "x"), Set.of("--variant"), Set.of()))
        .isInstanceOf(CliFailure.class)
        .hasMessageContaining("unknown option --varaint")
        .extracting(e -> ((CliFailure) e).exitCode())
        .isEqualTo(ExitCode.USAGE);
    assertThatThrownBy(() -> Args.parse(List.of("--variant"), Set.of("--variant"), Set.of()))
        .hasMessageContaining("--variant needs a value");
  }

  @Test
  void an_invalid_upload_is_told_with_the_file_and_line_of_each_problem() {
    JsonNode problem =
        json(
            """
            {"type": "https://catalog-image-pipeline.dev/problems/invalid-submission",
             "title": "Invalid submission", "status": 400,
             "detail": "the submission was rejected and nothing was stored: line 3: sku: must not be blank (and 2 more, listed in errors)",
             "errors": [{"field": "sku", "line": 3, "message": "must not be blank"},
                        {"field": "items[5].title", "message": "too long"}],
             "errorCount": 3}
            """);

    String text = Problems.describe(400, problem, "catalog.csv");

    assertThat(text)
        .startsWith("400 Invalid submission (invalid-submission)")
        .contains("nothing was stored")
        .contains("\n  catalog.csv line 3, sku: must not be blank")
        .contains("\n  items[5].title: too long")
        .contains("1 more (3 problems in all");
  }

  @Test
  void statuses_map_to_the_documented_exit_codes() {
    HttpHeaders none = HttpHeaders.of(Map.of(), (a, b) -> true);
    assertThat(Api.failure(401, none, null, null).exitCode()).isEqualTo(ExitCode.AUTHENTICATION);
    assertThat(Api.failure(403, none, null, null).exitCode()).isEqualTo(ExitCode.AUTHENTICATION);
    assertThat(
            Api.failure(
                429,
                HttpHeaders.of(Map.of("Retry-After", List.of("60")), (a, b) -> true),
                json("{\"type\": \"x/too-many-failed-authentications\", \"title\": \"t\"}"),
                null))
        .satisfies(f -> assertThat(f.exitCode()).isEqualTo(ExitCode.AUTHENTICATION))
        .satisfies(f -> assertThat(f.getMessage()).contains("after 60 s"));
    assertThat(Api.failure(404, none, null, null).exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(Api.failure(422, none, null, null).exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(Api.failure(503, none, null, null).exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
  }

  @Test
  void the_progress_line_counts_states_and_estimates_from_the_pace_seen() {
    ProgressLine line = new ProgressLine();
    Instant t0 = Instant.parse("2026-12-05T10:00:00Z");
    String first =
        line.render(
            batch(10, 100, "\"QUEUED\": 60, \"DISPATCHED\": 10, \"RUNNING\": 20"), t0, true);
    String later =
        line.render(
            batch(30, 100, "\"SUCCEEDED\": 28, \"FAILED\": 2, \"RUNNING\": 20, \"QUEUED\": 50"),
            t0.plusSeconds(20),
            true);

    assertThat(first)
        .contains(" 10.0% [##----------------------]  10/100")
        .contains("running 20  queued 70")
        .contains("ETA ~");
    // 20 items in 20 s: 70 left take 70 s
    assertThat(later)
        .contains("succeeded 28  failed 2  running 20  queued 50")
        .contains("$1.50")
        .endsWith("ETA 1m 10s");
    assertThat(line.render(batch(30, 100, "\"QUEUED\": 70"), t0.plusSeconds(21), false))
        .doesNotContain("[");
  }

  private static JsonNode batch(long done, long total, String counts) {
    return json(
        """
        {"state": "RUNNING", "counts": {%s}, "costUsd": 1.5,
         "progress": {"done": %d, "total": %d, "percent": %.1f},
         "plan": {"lane": "bulk", "eta": "2026-12-05T10:05:00Z"}}
        """
            .formatted(counts, done, total, done * 100.0 / total));
  }

  @Test
  void durations_and_instants_are_read_as_typed() {
    Instant now = Instant.parse("2026-12-05T10:00:00Z");
    assertThat(Texts.instant("8h", now, "--deadline")).isEqualTo("2026-12-05T18:00:00Z");
    assertThat(Texts.instant("2026-12-06T06:00:00Z", now, "--deadline"))
        .isEqualTo("2026-12-06T06:00:00Z");
    assertThat(Texts.parseDuration("500ms", "--interval")).isEqualTo(Duration.ofMillis(500));
    assertThat(Texts.duration(Duration.ofSeconds(3725))).isEqualTo("1h 02m");
    assertThatThrownBy(() -> Texts.instant("tomorrow", now, "--deadline"))
        .hasMessageContaining("--deadline");
  }

  @Test
  void results_are_laid_out_by_object_key_and_never_outside_the_directory() {
    Path root = Path.of("/tmp/out");
    assertThat(Results.target(root, "tenants/t/batches/b/TS-001/listing.png"))
        .isEqualTo(Path.of("/tmp/out/TS-001/listing.png"));
    assertThat(Results.target(root, "tenants/t/batches/b/A%2FB/listing.png"))
        .isEqualTo(Path.of("/tmp/out/A%2FB/listing.png"));
    // the store keeps each attempt under its own name; the merchant gets one file per variant
    assertThat(Results.target(root, "tenants/t/batches/b/TS-001/listing.a3.png"))
        .isEqualTo(Path.of("/tmp/out/TS-001/listing.png"));
    assertThat(Results.target(root, "tenants/t/batches/b/TS-001/listing.a12.json"))
        .isEqualTo(Path.of("/tmp/out/TS-001/listing.json"));
    for (String unsafe :
        List.of("tenants/t/batches/b/../listing.png", "x/..", "tenants/t/b/.\\x/a.png", "a.png")) {
      assertThatThrownBy(() -> Results.target(root, unsafe))
          .as(unsafe)
          .isInstanceOf(CliFailure.class);
    }
  }

  @Test
  void the_format_is_told_by_the_extension_or_given() {
    assertThat(Submit.format(Path.of("a.CSV"), null)).isEqualTo("csv");
    assertThat(Submit.format(Path.of("a.jsonl"), null)).isEqualTo("ndjson");
    assertThat(Submit.format(Path.of("a.json"), null)).isEqualTo("json");
    assertThat(Submit.format(Path.of("a.txt"), "csv")).isEqualTo("csv");
    assertThatThrownBy(() -> Submit.format(Path.of("a.txt"), null))
        .hasMessageContaining("--format");
  }

  @Test
  void help_and_no_command_print_the_usage_with_the_exit_codes() {
    var out = new java.io.ByteArrayOutputStream();
    var ps = new java.io.PrintStream(out, true);
    MerchantCli cli = new MerchantCli(ps, ps, Map.of(), Path.of("."), false);

    assertThat(cli.run("help")).isEqualTo(ExitCode.OK);
    assertThat(cli.run()).isEqualTo(ExitCode.USAGE);
    assertThat(cli.run("watch")).isEqualTo(ExitCode.USAGE);
    assertThat(out.toString()).contains("Exit status: 0 done").contains("missing batch id");
  }
}
