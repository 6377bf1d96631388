package io.catalogimage.simulator.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.config.BatchSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class OpenAiBatchApiTest {
  private static String line(String customId, String prompt) {
    return "{\"custom_id\":\""
        + customId
        + "\",\"method\":\"POST\",\"url\":\"/v1/images/generations\",\"body\":{\"model\":\"gpt-image-1\",\"prompt\":\""
        + prompt
        + "\",\"size\":\"1024x1024\",\"quality\":\"low\"}}";
  }

  private static String create(BatchTestSupport t, String jsonl) {
    String fileId = t.openAiUpload(jsonl).json().path("id").asString();
    assertThat(fileId).startsWith("file-");
    var batch =
        t.openAiPost(
            "/v1/batches",
            "{\"input_file_id\":\""
                + fileId
                + "\",\"endpoint\":\"/v1/images/generations\",\"completion_window\":\"24h\"}");
    assertThat(batch.status()).isEqualTo(200);
    return batch.json().path("id").asString();
  }

  @Test
  void completed_batch_puts_successes_in_the_output_file_and_failed_lines_in_the_error_file() {
    try (BatchTestSupport t =
        new BatchTestSupport(BatchTestSupport.turnaround(Duration.ofHours(3)))) {
      String id =
          create(
              t,
              line("item-1", "red mug")
                  + "\n"
                  + line("item-2", "lamp [sim:HTTP_500]")
                  + "\n"
                  + line("item-3", "chair")
                  + "\n");
      assertThat(t.openAiGet("/v1/batches/" + id).json().path("status").asString())
          .isEqualTo("validating");
      t.advance(Duration.ofHours(1));
      assertThat(t.openAiGet("/v1/batches/" + id).json().path("status").asString())
          .isEqualTo("in_progress");
      t.advance(Duration.ofHours(2));
      JsonNode b = t.openAiGet("/v1/batches/" + id).json();
      assertThat(b.path("status").asString()).isEqualTo("completed");
      assertThat(b.path("request_counts").path("completed").asInt()).isEqualTo(2);
      assertThat(b.path("request_counts").path("failed").asInt()).isEqualTo(1);
      assertThat(b.path("usage").path("output_tokens").asLong()).isPositive();

      String out =
          t.openAiGet("/v1/files/" + b.path("output_file_id").asString() + "/content").raw();
      String[] outLines = out.split("\n");
      assertThat(outLines).hasSize(2);
      assertThat(out).contains("\"custom_id\":\"item-1\"").contains("\"custom_id\":\"item-3\"");
      JsonNode first = BatchTestSupport.JSON.readTree(outLines[0]);
      assertThat(first.path("response").path("status_code").asInt()).isEqualTo(200);
      assertThat(
              first.path("response").path("body").path("data").get(0).path("b64_json").asString())
          .isNotEmpty();
      String err =
          t.openAiGet("/v1/files/" + b.path("error_file_id").asString() + "/content").raw();
      assertThat(err).contains("\"custom_id\":\"item-2\"").contains("\"status_code\":500");
    }
  }

  @Test
  void a_batch_past_its_24h_window_expires_with_partial_output_and_batch_expired_errors() {
    BatchSettings slow = BatchTestSupport.turnaround(Duration.ofHours(30));
    try (BatchTestSupport t = new BatchTestSupport(slow)) {
      StringBuilder jsonl = new StringBuilder();
      for (int i = 0; i < 40; i++) {
        jsonl.append(line("c" + i, "product " + i)).append('\n');
      }
      String id = create(t, jsonl.toString());
      t.advance(Duration.ofHours(24).plusMinutes(1));
      JsonNode b = t.openAiGet("/v1/batches/" + id).json();
      assertThat(b.path("status").asString()).isEqualTo("expired");
      int done = b.path("request_counts").path("completed").asInt();
      assertThat(done).isBetween(1, 39);
      String out =
          t.openAiGet("/v1/files/" + b.path("output_file_id").asString() + "/content").raw();
      String err =
          t.openAiGet("/v1/files/" + b.path("error_file_id").asString() + "/content").raw();
      assertThat(out.split("\n")).hasSize(done);
      assertThat(err.split("\n")).hasSize(40 - done);
      assertThat(err).contains("batch_expired");
    }
  }

  @Test
  void cancelling_reports_cancelling_then_cancelled_with_unfinished_lines_as_batch_cancelled() {
    try (BatchTestSupport t =
        new BatchTestSupport(BatchTestSupport.turnaround(Duration.ofHours(4)))) {
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        lines.add(line("c" + i, "product " + i));
      }
      String id = create(t, String.join("\n", lines));
      t.advance(Duration.ofHours(2));
      assertThat(t.openAiPost("/v1/batches/" + id + "/cancel", "").json().path("status").asString())
          .isEqualTo("cancelling");
      JsonNode b = t.openAiGet("/v1/batches/" + id).json();
      assertThat(b.path("status").asString()).isEqualTo("cancelled");
      String err =
          t.openAiGet("/v1/files/" + b.path("error_file_id").asString() + "/content").raw();
      assertThat(err).contains("batch_cancelled");
    }
  }

  @Test
  void an_invalid_input_file_fails_the_batch_with_the_line_numbers() {
    try (BatchTestSupport t = new BatchTestSupport(BatchSettings.standard())) {
      String id = create(t, line("a", "mug") + "\n{broken\n" + line("a", "duplicate id") + "\n");
      JsonNode b = t.openAiGet("/v1/batches/" + id).json();
      assertThat(b.path("status").asString()).isEqualTo("failed");
      JsonNode errors = b.path("errors").path("data");
      assertThat(errors).hasSize(2);
      assertThat(errors.get(0).path("line").asInt()).isEqualTo(2);
      assertThat(errors.get(1).path("line").asInt()).isEqualTo(3);
    }
  }

  @Test
  void the_turnaround_is_drawn_from_the_configured_range_and_tail() {
    BatchSettings settings =
        BatchSettings.standard()
            .withTurnaround(Duration.ofHours(1), Duration.ofHours(6))
            .withTail(0.0, Duration.ofHours(30))
            .withLineFailureRate(0);
    try (BatchTestSupport t = new BatchTestSupport(settings)) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        ids.add(create(t, line("x", "p" + i)));
      }
      t.advance(Duration.ofMinutes(59));
      for (String id : ids) {
        assertThat(t.openAiGet("/v1/batches/" + id).json().path("status").asString())
            .isNotEqualTo("completed");
      }
      t.advance(Duration.ofHours(5).plusMinutes(2));
      for (String id : ids) {
        assertThat(t.openAiGet("/v1/batches/" + id).json().path("status").asString())
            .isEqualTo("completed");
      }
    }
  }

  @Test
  void the_list_pages_newest_first_with_after_and_has_more_and_keeps_each_batchs_metadata() {
    try (BatchTestSupport t =
        new BatchTestSupport(BatchTestSupport.turnaround(Duration.ofHours(3)))) {
      List<String> created = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        String fileId = t.openAiUpload(line("k", "mug " + i)).json().path("id").asString();
        created.add(
            t.openAiPost(
                    "/v1/batches",
                    "{\"input_file_id\":\""
                        + fileId
                        + "\",\"endpoint\":\"/v1/images/generations\",\"completion_window\":\"24h\","
                        + "\"metadata\":{\"name\":\"job-"
                        + i
                        + "\"}}")
                .json()
                .path("id")
                .asString());
        t.advance(Duration.ofSeconds(1));
      }
      List<String> seen = new ArrayList<>();
      List<String> names = new ArrayList<>();
      String after = null;
      int pages = 0;
      while (true) {
        JsonNode page =
            t.openAiGet("/v1/batches?limit=2" + (after == null ? "" : "&after=" + after)).json();
        pages++;
        assertThat(page.path("object").asString()).isEqualTo("list");
        assertThat(page.path("data").size()).isLessThanOrEqualTo(2);
        page.path("data").forEach(b -> seen.add(b.path("id").asString()));
        page.path("data").forEach(b -> names.add(b.path("metadata").path("name").asString()));
        assertThat(page.path("last_id").asString()).isEqualTo(seen.get(seen.size() - 1));
        if (!page.path("has_more").asBoolean()) {
          break;
        }
        after = page.path("last_id").asString();
      }
      assertThat(pages).isEqualTo(3);
      java.util.Collections.reverse(created);
      assertThat(seen).isEqualTo(created);
      assertThat(names).containsExactly("job-4", "job-3", "job-2", "job-1", "job-0");
      assertThat(t.openAiGet("/v1/batches?limit=101").status()).isEqualTo(400);
    }
  }
}
