package io.catalogimage.simulator.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.config.BatchSettings;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class GeminiBatchApiTest {
  private static final String MODEL = "gemini-2.5-flash-image";

  private static String request(String prompt) {
    return "{\"contents\":[{\"parts\":[{\"text\":\""
        + prompt
        + "\"}]}],\"generationConfig\":{\"responseModalities\":[\"TEXT\",\"IMAGE\"]}}";
  }

  private static String inline(List<String> keys, List<String> prompts) {
    List<String> items = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      items.add(
          "{\"request\":"
              + request(prompts.get(i))
              + ",\"metadata\":{\"key\":\""
              + keys.get(i)
              + "\"}}");
    }
    return "{\"batch\":{\"displayName\":\"t\",\"inputConfig\":{\"requests\":{\"requests\":["
        + String.join(",", items)
        + "]}}}}";
  }

  @Test
  void inline_job_is_pending_until_its_turnaround_then_answers_every_key_with_one_failed_line() {
    try (BatchTestSupport t =
        new BatchTestSupport(BatchTestSupport.turnaround(Duration.ofHours(2)))) {
      var created =
          t.geminiPost(
              "/v1beta/models/" + MODEL + ":batchGenerateContent",
              inline(
                  List.of("item-a", "item-b", "item-c"),
                  List.of("red mug", "blue lamp [sim:HTTP_500]", "green chair")));
      assertThat(created.status()).isEqualTo(200);
      String name = created.json().path("name").asString();
      assertThat(name).startsWith("batches/");
      assertThat(created.json().path("metadata").path("state").asString())
          .isEqualTo("BATCH_STATE_PENDING");

      t.advance(Duration.ofMinutes(90));
      var running = t.geminiGet("/v1beta/" + name);
      assertThat(running.json().path("metadata").path("state").asString())
          .isEqualTo("BATCH_STATE_RUNNING");
      assertThat(running.json().path("done").asBoolean()).isFalse();
      assertThat(running.json().path("metadata").has("output")).isFalse();

      t.advance(Duration.ofMinutes(31));
      JsonNode meta = t.geminiGet("/v1beta/" + name).json().path("metadata");
      assertThat(meta.path("state").asString()).isEqualTo("BATCH_STATE_SUCCEEDED");
      assertThat(meta.path("batchStats").path("failedRequestCount").asString()).isEqualTo("1");
      assertThat(meta.path("batchStats").path("successfulRequestCount").asString()).isEqualTo("2");
      JsonNode responses = meta.path("output").path("inlinedResponses").path("inlinedResponses");
      assertThat(responses).hasSize(3);
      for (JsonNode r : responses) {
        String key = r.path("metadata").path("key").asString();
        if (key.equals("item-b")) {
          assertThat(r.path("error").path("code").asInt()).isEqualTo(500);
        } else {
          JsonNode parts =
              r.path("response").path("candidates").get(0).path("content").path("parts");
          assertThat(parts.toString()).contains("\"mimeType\":\"image/png\"");
          assertThat(r.path("response").path("usageMetadata").path("candidatesTokenCount").asInt())
              .isPositive();
        }
      }
    }
  }

  @Test
  void file_job_uploaded_resumably_returns_a_responses_file_keyed_by_line() {
    try (BatchTestSupport t =
        new BatchTestSupport(BatchTestSupport.turnaround(Duration.ofMinutes(30)))) {
      String jsonl =
          "{\"key\":\"k1\",\"request\":"
              + request("teapot")
              + "}\n"
              + "not json\n"
              + "{\"key\":\"k3\",\"request\":"
              + request("kettle")
              + "}\n";
      var start =
          t.send(
              t.request("/upload/v1beta/files")
                  .header("x-goog-api-key", BatchTestSupport.KEY)
                  .header("X-Goog-Upload-Protocol", "resumable")
                  .header("X-Goog-Upload-Command", "start")
                  .POST(
                      HttpRequest.BodyPublishers.ofString("{\"file\":{\"displayName\":\"in\"}}")));
      assertThat(start.status()).isEqualTo(200);
      String uploadUrl = start.headers().firstValue("X-Goog-Upload-URL").orElseThrow();
      var uploaded =
          t.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(uploadUrl))
                  .header("x-goog-api-key", BatchTestSupport.KEY)
                  .header("X-Goog-Upload-Command", "upload, finalize")
                  .POST(HttpRequest.BodyPublishers.ofString(jsonl)));
      String file = uploaded.json().path("file").path("name").asString();
      assertThat(file).startsWith("files/");

      var created =
          t.geminiPost(
              "/v1beta/models/" + MODEL + ":batchGenerateContent",
              "{\"batch\":{\"displayName\":\"f\",\"inputConfig\":{\"fileName\":\""
                  + file
                  + "\"}}}");
      String name = created.json().path("name").asString();
      t.advance(Duration.ofMinutes(31));
      JsonNode meta = t.geminiGet("/v1beta/" + name).json().path("metadata");
      assertThat(meta.path("state").asString()).isEqualTo("BATCH_STATE_SUCCEEDED");
      String responses = meta.path("output").path("responsesFile").asString();
      assertThat(responses).startsWith("files/batch-");

      var download = t.geminiGet("/download/v1beta/" + responses + ":download?alt=media");
      assertThat(download.status()).isEqualTo(200);
      String[] lines = download.raw().split("\n");
      assertThat(lines).hasSize(3);
      assertThat(lines[0]).contains("\"key\":\"k1\"").contains("\"response\"");
      assertThat(lines[1]).contains("\"key\":\"line-2\"").contains("INVALID_ARGUMENT");
      assertThat(lines[2]).contains("\"key\":\"k3\"").contains("image/png");
    }
  }

  @Test
  void a_job_longer_than_the_expiry_window_expires_with_the_lines_finished_by_then() {
    BatchSettings slow =
        BatchTestSupport.turnaround(Duration.ofHours(60)); // Gemini expires after 48 h
    try (BatchTestSupport t = new BatchTestSupport(slow)) {
      List<String> keys = new ArrayList<>();
      List<String> prompts = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        keys.add("k" + i);
        prompts.add("product " + i);
      }
      String name =
          t.geminiPost("/v1beta/models/" + MODEL + ":batchGenerateContent", inline(keys, prompts))
              .json()
              .path("name")
              .asString();
      t.advance(Duration.ofHours(47));
      assertThat(t.geminiGet("/v1beta/" + name).json().path("metadata").path("state").asString())
          .isEqualTo("BATCH_STATE_RUNNING");
      t.advance(Duration.ofHours(2));
      JsonNode meta = t.geminiGet("/v1beta/" + name).json().path("metadata");
      assertThat(meta.path("state").asString()).isEqualTo("BATCH_STATE_EXPIRED");
      int returned = meta.path("output").path("inlinedResponses").path("inlinedResponses").size();
      assertThat(returned).isBetween(1, 39);
      assertThat(meta.path("batchStats").path("pendingRequestCount").asString())
          .isEqualTo(Integer.toString(40 - returned));
    }
  }

  @Test
  void a_cancelled_job_keeps_what_finished_before_the_cancel_and_nothing_after() {
    try (BatchTestSupport t =
        new BatchTestSupport(BatchTestSupport.turnaround(Duration.ofHours(4)))) {
      List<String> keys = new ArrayList<>();
      List<String> prompts = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        keys.add("k" + i);
        prompts.add("product " + i);
      }
      String name =
          t.geminiPost("/v1beta/models/" + MODEL + ":batchGenerateContent", inline(keys, prompts))
              .json()
              .path("name")
              .asString();
      t.advance(Duration.ofHours(2));
      assertThat(t.geminiPost("/v1beta/" + name + ":cancel", "{}").status()).isEqualTo(200);
      t.advance(Duration.ofHours(3));
      JsonNode meta = t.geminiGet("/v1beta/" + name).json().path("metadata");
      assertThat(meta.path("state").asString()).isEqualTo("BATCH_STATE_CANCELLED");
      assertThat(meta.path("output").path("inlinedResponses").path("inlinedResponses").size())
          .isBetween(1, 39);
    }
  }

  @Test
  void unknown_batches_and_wrong_keys_are_refused_as_the_api_does() {
    try (BatchTestSupport t = new BatchTestSupport(BatchSettings.standard())) {
      assertThat(t.geminiGet("/v1beta/batches/nope").status()).isEqualTo(404);
      var wrongKey =
          t.send(t.request("/v1beta/batches/nope").header("x-goog-api-key", "wrong").GET());
      assertThat(wrongKey.status()).isEqualTo(400);
      var bad =
          t.geminiPost(
              "/v1beta/models/" + MODEL + ":batchGenerateContent",
              "{\"batch\":{\"inputConfig\":{}}}");
      assertThat(bad.status()).isEqualTo(400);
    }
  }

  @Test
  void the_list_pages_newest_first_with_page_tokens_and_names_each_job() {
    try (BatchTestSupport t =
        new BatchTestSupport(BatchTestSupport.turnaround(Duration.ofHours(2)))) {
      List<String> created = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        String body =
            inline(List.of("k"), List.of("mug " + i))
                .replace("\"displayName\":\"t\"", "\"displayName\":\"job-" + i + "\"");
        created.add(
            t.geminiPost("/v1beta/models/" + MODEL + ":batchGenerateContent", body)
                .json()
                .path("name")
                .asString());
        t.advance(Duration.ofSeconds(1));
      }
      List<String> seen = new ArrayList<>();
      List<String> names = new ArrayList<>();
      String token = null;
      int pages = 0;
      do {
        JsonNode page =
            t.geminiGet("/v1beta/batches?pageSize=2" + (token == null ? "" : "&pageToken=" + token))
                .json();
        pages++;
        assertThat(page.path("operations").size()).isLessThanOrEqualTo(2);
        for (JsonNode op : page.path("operations")) {
          seen.add(op.path("name").asString());
          names.add(op.path("metadata").path("displayName").asString());
        }
        token = page.path("nextPageToken").asString(null);
      } while (token != null);
      assertThat(pages).isEqualTo(3);
      java.util.Collections.reverse(created);
      assertThat(seen).isEqualTo(created);
      assertThat(names).containsExactly("job-4", "job-3", "job-2", "job-1", "job-0");
    }
  }
}
