package io.catalogimage.worker.provider.openai;

import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.provider.ProviderProperties;
import io.catalogimage.worker.provider.SplicedBody;
import io.catalogimage.worker.provider.StreamedAnswer;
import io.catalogimage.worker.provider.batch.BatchCallFailed;
import io.catalogimage.worker.provider.batch.BatchHttp;
import io.catalogimage.worker.provider.batch.BatchJobState;
import io.catalogimage.worker.provider.batch.BatchJobStatus;
import io.catalogimage.worker.provider.batch.BatchLineResult;
import io.catalogimage.worker.provider.batch.BatchProvider;
import io.catalogimage.worker.result.ResultSpool;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's Batch API for images (reference §5.7): the lines as a JSONL file uploaded to {@code
 * /v1/files} with {@code purpose=batch}, a job on {@code /v1/batches}, polled and cancelled there;
 * successes read from the output file and failures from the error file, each line's {@code
 * custom_id} being its item's key. Lines that expired or were cancelled unrun ({@code
 * batch_expired}, {@code batch_cancelled}) are not results. Requests with reference photos go to
 * {@code /v1/images/edits} with JSON {@code images[].image_url} data URLs (multipart cannot travel
 * in JSONL), so one job holds either kind, never both.
 */
public final class OpenAiBatchClient implements BatchProvider {
  /** At most 50,000 requests per batch (reference §5.7). */
  static final int MAX_LINES = 50_000;

  /** Pages of 100 read by {@link #find} before giving up (the lookup is asked again later). */
  private static final int MAX_LIST_PAGES = 50;

  private static final String GENERATIONS = "/v1/images/generations";
  private static final String EDITS = "/v1/images/edits";

  private final String name;
  private final ProviderProperties.Endpoint endpoint;
  private final ModelCatalog catalog;
  private final JsonMapper json;
  private final OpenAiResponses responses;
  private final BatchHttp calls;
  private final ResultSpool spool;

  public OpenAiBatchClient(
      String name,
      ProviderProperties.Endpoint endpoint,
      ModelCatalog catalog,
      JsonMapper json,
      ResultSpool spool) {
    this.name = name;
    this.endpoint = endpoint;
    this.catalog = catalog;
    this.json = json;
    this.responses = new OpenAiResponses(json, spool);
    this.spool = spool;
    this.calls =
        new BatchHttp(
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(endpoint.connectTimeout())
                .build());
  }

  @Override
  public String endpoint() {
    return name;
  }

  @Override
  public boolean serves(String model) {
    if (!endpoint.models().isEmpty()) {
      return endpoint.models().contains(model);
    }
    return catalog.find(model).map(m -> m.family().equals("openai")).orElse(false);
  }

  @Override
  public int maxLines() {
    return MAX_LINES;
  }

  /**
   * Writes the JSONL input file to the spool's directory, reference photos base64-encoded into
   * their data URLs on the way (never a whole photo as text in memory), and uploads it from there.
   */
  @Override
  public BatchJobStatus submit(String model, String displayName, List<BatchLine> lines) {
    ImageModel catalogModel = catalog.require(model);
    boolean edits = !lines.isEmpty() && !lines.get(0).request().references().isEmpty();
    Path file = null;
    String fileId;
    try {
      file = spool.scratchFile("openai-batch-", ".jsonl");
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024)) {
        for (BatchLine line : lines) {
          writeLine(out, line, catalogModel, model, edits);
        }
      }
      fileId = upload(displayName + ".jsonl", file);
    } catch (IOException e) {
      throw new BatchCallFailed("writing the input file: " + e, false, e);
    } finally {
      ResultSpool.deleteScratch(file);
    }
    ObjectNode create = json.createObjectNode();
    create.put("input_file_id", fileId);
    create.put("endpoint", edits ? EDITS : GENERATIONS);
    create.put("completion_window", "24h");
    create.putObject("metadata").put("name", displayName);
    byte[] answer =
        calls.send(
            "create batch",
            request("/v1/batches")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(create)))
                .build());
    return status(read(answer));
  }

  private void writeLine(
      OutputStream out, BatchLine line, ImageModel catalogModel, String model, boolean edits)
      throws IOException {
    GenerationRequest req = line.request();
    if (req.references().isEmpty() == edits) {
      throw new IllegalArgumentException(
          "one OpenAI batch holds either requests with reference photos or without");
    }
    Map<String, String> fields =
        OpenAiBodies.fields(
            req, catalogModel, endpoint.wireModelId(model), endpoint.imageQuality());
    ObjectNode body = (ObjectNode) json.readTree(OpenAiBodies.generationsJson(json, fields));
    SplicedBody spliced = new SplicedBody();
    if (edits) {
      var images = body.putArray("images");
      for (GenerationRequest.ReferenceImage ref : req.references()) {
        images
            .addObject()
            .put("image_url", "data:" + ref.mimeType() + ";base64," + spliced.base64(ref.source()));
      }
    }
    ObjectNode entry = json.createObjectNode();
    entry.put("custom_id", line.key());
    entry.put("method", "POST");
    entry.put("url", edits ? EDITS : GENERATIONS);
    entry.set("body", body);
    try (InputStream in = spliced.around(json.writeValueAsBytes(entry)).open()) {
      in.transferTo(out);
    }
    out.write('\n');
  }

  @Override
  public BatchJobStatus poll(String jobId) {
    return status(read(calls.send("get " + jobId, request("/v1/batches/" + jobId).GET().build())));
  }

  /**
   * Pages through {@code GET /v1/batches} (newest first, {@code after} = the last id, {@code
   * has_more}) matching {@code metadata.name}: the list takes no metadata filter.
   */
  @Override
  public Optional<BatchJobStatus> find(String displayName, Instant createdAfter) {
    String after = null;
    for (int page = 0; page < MAX_LIST_PAGES; page++) {
      String query = "?limit=100" + (after == null ? "" : "&after=" + after);
      JsonNode list =
          read(calls.send("list batches", request("/v1/batches" + query).GET().build()));
      for (JsonNode b : list.path("data")) {
        if (displayName.equals(b.path("metadata").path("name").asString(null))) {
          return Optional.of(status(b));
        }
        if (b.path("created_at").asLong(Long.MAX_VALUE) < createdAfter.getEpochSecond()) {
          return Optional.empty(); // newest first: older jobs cannot be ours
        }
      }
      after = list.path("last_id").asString(null);
      if (!list.path("has_more").asBoolean(false) || after == null) {
        return Optional.empty();
      }
    }
    throw new BatchCallFailed(
        "list batches: no answer within " + MAX_LIST_PAGES + " pages", false, null);
  }

  @Override
  public BatchJobStatus cancel(String jobId) {
    return status(
        read(
            calls.send(
                "cancel " + jobId,
                request("/v1/batches/" + jobId + "/cancel")
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build())));
  }

  /** Each line read as it arrives, its image decoded into the spool on the way. */
  @Override
  public List<BatchLineResult> results(BatchJobStatus status, List<BatchLine> lines) {
    Map<String, GenerationRequest> byKey = new HashMap<>();
    lines.forEach(l -> byKey.put(l.key(), l.request()));
    List<BatchLineResult> out = new ArrayList<>();
    try {
      for (String file : new String[] {status.output(), status.errors()}) {
        if (file != null) {
          calls.eachLine(
              "download " + file,
              request("/v1/files/" + file + "/content").GET().build(),
              in -> {
                try (StreamedAnswer line = readLine(in)) {
                  add(out, line, byKey);
                }
              });
        }
      }
    } catch (RuntimeException e) {
      BatchLineResult.discardAll(out); // read again on the next poll
      throw e;
    }
    return out;
  }

  private StreamedAnswer readLine(InputStream in) {
    try {
      return responses.read(in);
    } catch (JacksonException e) {
      throw new BatchCallFailed("unreadable line: " + e.getOriginalMessage(), false, e);
    }
  }

  private void add(
      List<BatchLineResult> out, StreamedAnswer answer, Map<String, GenerationRequest> byKey) {
    JsonNode line = answer.root();
    String key = line.path("custom_id").asString(null);
    GenerationRequest req = key == null ? null : byKey.get(key);
    JsonNode response = line.get("response");
    if (req == null || response == null || response.isNull()) {
      return; // not ours, or never run (batch_expired / batch_cancelled)
    }
    String requestId = response.path("request_id").asString("");
    HttpHeaders headers =
        HttpHeaders.of(Map.of("x-request-id", List.of(requestId)), (a, b) -> true);
    ProviderOutcome outcome =
        responses.classify(
            response.path("status_code").asInt(500),
            headers,
            answer.part(response.path("body")),
            Duration.ZERO,
            req);
    out.add(new BatchLineResult(key, outcome));
  }

  private BatchJobStatus status(JsonNode b) {
    BatchJobState state =
        switch (b.path("status").asString("validating")) {
          case "in_progress", "finalizing" -> BatchJobState.RUNNING;
          case "completed" -> BatchJobState.SUCCEEDED;
          case "failed" -> BatchJobState.FAILED;
          case "expired" -> BatchJobState.EXPIRED;
          case "cancelling" -> BatchJobState.CANCELLING;
          case "cancelled" -> BatchJobState.CANCELLED;
          default -> BatchJobState.PENDING;
        };
    JsonNode counts = b.path("request_counts");
    int failed = counts.path("failed").asInt(0);
    String message = null;
    JsonNode errors = b.path("errors").path("data");
    if (errors.isArray() && !errors.isEmpty()) {
      message =
          "line "
              + errors.get(0).path("line").asInt()
              + ": "
              + errors.get(0).path("message").asString("");
    }
    return new BatchJobStatus(
        b.path("id").asString(),
        state,
        counts.path("total").asInt(0),
        counts.path("completed").asInt(0),
        failed,
        b.path("output_file_id").asString(null),
        b.path("error_file_id").asString(null),
        message);
  }

  /** A multipart upload whose file part is sent from the file: nothing of it in memory. */
  private String upload(String filename, Path jsonl) throws IOException {
    String boundary = "----catalog" + UUID.randomUUID().toString().replace("-", "");
    String head =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
            + "batch\r\n--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
            + filename
            + "\"\r\nContent-Type: application/jsonl\r\n\r\n";
    String tail = "\r\n--" + boundary + "--\r\n";
    byte[] answer =
        calls.send(
            "upload",
            request("/v1/files")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(
                    HttpRequest.BodyPublishers.concat(
                        HttpRequest.BodyPublishers.ofByteArray(
                            head.getBytes(StandardCharsets.UTF_8)),
                        HttpRequest.BodyPublishers.ofFile(jsonl),
                        HttpRequest.BodyPublishers.ofByteArray(
                            tail.getBytes(StandardCharsets.UTF_8))))
                .build());
    return read(answer).path("id").asString();
  }

  private HttpRequest.Builder request(String path) {
    String base = endpoint.baseUrl().toString().replaceAll("/+$", "");
    if (base.endsWith("/v1")) {
      base = base.substring(0, base.length() - 3);
    }
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(endpoint.requestTimeout())
        .header("Authorization", "Bearer " + (endpoint.apiKey() == null ? "" : endpoint.apiKey()));
  }

  private JsonNode read(byte[] body) {
    try {
      return json.readTree(body);
    } catch (JacksonException e) {
      throw new BatchCallFailed("unreadable answer: " + e.getOriginalMessage(), false, e);
    }
  }
}
