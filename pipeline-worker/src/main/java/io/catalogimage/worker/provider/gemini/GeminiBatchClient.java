package io.catalogimage.worker.provider.gemini;

import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ModelVersions;
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
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Gemini's Batch API (reference §3): {@code models/{m}:batchGenerateContent} with the requests
 * inline when they fit, else a JSONL file uploaded through the Files API (resumable protocol);
 * {@code batches/{id}} to poll, {@code :cancel}, and the results inline or from the responses file.
 * Each line carries its item's key ({@code metadata.key} inline, {@code key} in the file); each
 * result is classified by the same code as a real-time answer.
 */
public final class GeminiBatchClient implements BatchProvider {
  /** Inline requests must total under 20 MB; keep a margin for the envelope. */
  public static final long INLINE_LIMIT_BYTES = 15L * 1024 * 1024;

  /** Lines per job we submit (our choice; the provider caps jobs by bytes and enqueued tokens). */
  static final int MAX_LINES = 5_000;

  /** Jobs per page of the list call, and the pages read before giving up (asked again later). */
  private static final int LIST_PAGE = 100;

  private static final int MAX_LIST_PAGES = 50;

  private final String name;
  private final ProviderProperties.Endpoint endpoint;
  private final ModelCatalog catalog;
  private final JsonMapper json;
  private final GeminiResponses responses;
  private final HttpClient http;
  private final BatchHttp calls;
  private final ResultSpool spool;
  private final long inlineLimitBytes;

  public GeminiBatchClient(
      String name,
      ProviderProperties.Endpoint endpoint,
      ModelCatalog catalog,
      JsonMapper json,
      long inlineLimitBytes,
      ResultSpool spool) {
    this.name = name;
    this.endpoint = endpoint;
    this.catalog = catalog;
    this.json = json;
    this.responses = new GeminiResponses(json, new ModelVersions(catalog), spool);
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(endpoint.connectTimeout())
            .build();
    this.calls = new BatchHttp(http);
    this.spool = spool;
    this.inlineLimitBytes = inlineLimitBytes;
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
    return catalog.find(model).map(m -> m.family().equals("gemini")).orElse(false);
  }

  @Override
  public int maxLines() {
    return MAX_LINES;
  }

  @Override
  public BatchJobStatus submit(String model, String displayName, List<BatchLine> lines) {
    ImageModel catalogModel = catalog.require(model);
    List<SplicedBody> bodies = new ArrayList<>(lines.size());
    long bytes = 0;
    for (BatchLine line : lines) {
      SplicedBody body = GeminiBodies.generateContent(json, line.request(), catalogModel);
      bytes += body.length();
      bodies.add(body);
    }
    ObjectNode root = json.createObjectNode();
    ObjectNode batch = root.putObject("batch");
    batch.put("displayName", displayName);
    ObjectNode input = batch.putObject("inputConfig");
    if (bytes <= inlineLimitBytes) {
      ArrayNode inline = input.putObject("requests").putArray("requests");
      for (int i = 0; i < lines.size(); i++) {
        ObjectNode entry = inline.addObject();
        entry.set("request", json.readTree(bodies.get(i).toBytes())); // at most the inline limit
        entry.putObject("metadata").put("key", lines.get(i).key());
      }
    } else {
      input.put("fileName", uploadLines(displayName, lines, bodies));
    }
    String wire = URLEncoder.encode(endpoint.wireModelId(model), StandardCharsets.UTF_8);
    byte[] answer =
        calls.send(
            "batchGenerateContent",
            request("/v1beta/models/" + wire + ":batchGenerateContent")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(root)))
                .build());
    return status(read(answer));
  }

  /**
   * Writes the JSONL input file to the spool's directory, each request streamed in with its
   * reference photos base64-encoded on the way (a job of 5,000 lines with photos is gigabytes),
   * uploads it from there and deletes it.
   */
  private String uploadLines(String displayName, List<BatchLine> lines, List<SplicedBody> bodies) {
    Path file = null;
    try {
      file = spool.scratchFile("gemini-batch-", ".jsonl");
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024)) {
        for (int i = 0; i < lines.size(); i++) {
          out.write(
              ("{\"key\":" + json.writeValueAsString(lines.get(i).key()) + ",\"request\":")
                  .getBytes(StandardCharsets.UTF_8));
          try (InputStream body = bodies.get(i).open()) {
            body.transferTo(out);
          }
          out.write('}');
          out.write('\n');
        }
      }
      return upload(displayName, file);
    } catch (IOException e) {
      throw new BatchCallFailed("writing the input file: " + e, false, e);
    } finally {
      ResultSpool.deleteScratch(file);
    }
  }

  @Override
  public BatchJobStatus poll(String jobId) {
    return status(operation(jobId));
  }

  /**
   * Pages through {@code GET batches} (newest first, {@code nextPageToken}) matching {@code
   * metadata.displayName} here: the list's {@code filter} parameter is not documented for batches,
   * and an unsupported filter would fail the very call that decides whether to pay again.
   */
  @Override
  public Optional<BatchJobStatus> find(String displayName, Instant createdAfter) {
    String token = null;
    for (int page = 0; page < MAX_LIST_PAGES; page++) {
      String query =
          "?pageSize=" + LIST_PAGE + (token == null ? "" : "&pageToken=" + encode(token));
      JsonNode list;
      try (StreamedAnswer answer =
          readAnswer(
              calls.open("list batches", request("/v1beta/batches" + query).GET().build()),
              Set.of("inlinedResponses"))) {
        list = answer.root(); // each job's inline results left out: they can be gigabytes
      }
      for (JsonNode op : list.path("operations")) {
        JsonNode meta = op.path("metadata");
        if (displayName.equals(meta.path("displayName").asString(null))) {
          return Optional.of(status(op));
        }
        String created = meta.path("createTime").asString(null);
        if (created != null && Instant.parse(created).isBefore(createdAfter)) {
          return Optional.empty(); // newest first: older jobs cannot be ours
        }
      }
      token = list.path("nextPageToken").asString(null);
      if (token == null || token.isEmpty()) {
        return Optional.empty();
      }
    }
    throw new BatchCallFailed(
        "list batches: no answer within " + MAX_LIST_PAGES + " pages", false, null);
  }

  private static String encode(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public BatchJobStatus cancel(String jobId) {
    calls.send(
        "cancel " + jobId,
        request("/v1beta/" + jobId + ":cancel")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build());
    return poll(jobId);
  }

  /**
   * Each result is read as it arrives, its image decoded into the spool on the way: from the
   * responses file one line at a time, or from the job's own answer when the results are inline.
   */
  @Override
  public List<BatchLineResult> results(BatchJobStatus status, List<BatchLine> lines) {
    Map<String, GenerationRequest> byKey = new HashMap<>();
    lines.forEach(l -> byKey.put(l.key(), l.request()));
    List<BatchLineResult> out = new ArrayList<>();
    try {
      if (status.output() != null) {
        calls.eachLine(
            "download " + status.output(),
            request("/download/v1beta/" + status.output() + ":download?alt=media").GET().build(),
            in -> {
              try (StreamedAnswer line = readAnswer(in, Set.of())) {
                add(out, line.root().path("key").asString(null), line, line.root(), byKey);
              }
            });
        return out;
      }
      try (StreamedAnswer op = readAnswer(operationStream(status.jobId()), Set.of())) {
        JsonNode inline =
            op.root()
                .path("metadata")
                .path("output")
                .path("inlinedResponses")
                .path("inlinedResponses");
        int i = 0;
        for (JsonNode item : inline) {
          String key = item.path("metadata").path("key").asString(null);
          if (key == null && i < lines.size()) {
            key = lines.get(i).key(); // inline responses come in request order
          }
          add(out, key, op, item, byKey);
          i++;
        }
      }
      return out;
    } catch (RuntimeException e) {
      BatchLineResult.discardAll(out); // read again on the next poll
      throw e;
    }
  }

  private void add(
      List<BatchLineResult> out,
      String key,
      StreamedAnswer answer,
      JsonNode line,
      Map<String, GenerationRequest> byKey) {
    GenerationRequest req = key == null ? null : byKey.get(key);
    if (req == null) {
      return; // not one of ours: nothing to settle (its images go when the answer closes)
    }
    ProviderOutcome outcome;
    if (line.hasNonNull("response")) {
      outcome =
          responses.classify(200, null, answer.part(line.get("response")), Duration.ZERO, req);
    } else {
      JsonNode error = line.path("error");
      ObjectNode envelope = json.createObjectNode();
      envelope.set("error", error);
      outcome =
          responses.classify(
              error.path("code").asInt(500), json.writeValueAsBytes(envelope), Duration.ZERO, req);
    }
    out.add(new BatchLineResult(key, outcome));
  }

  /** A job's status without its inline results (those can be gigabytes; results() reads them). */
  private JsonNode operation(String jobId) {
    try (StreamedAnswer op = readAnswer(operationStream(jobId), Set.of("inlinedResponses"))) {
      return op.root();
    }
  }

  private InputStream operationStream(String jobId) {
    return calls.open("get " + jobId, request("/v1beta/" + jobId).GET().build());
  }

  /** Reads a streamed answer and closes the stream; a malformed one fails the call. */
  private StreamedAnswer readAnswer(InputStream in, Set<String> skipFields) {
    try (in) {
      return responses.read(in, skipFields);
    } catch (IOException | JacksonException e) {
      throw new BatchCallFailed("unreadable answer: " + e.getMessage(), false, e);
    } catch (UncheckedIOException e) {
      throw new BatchCallFailed("unreadable answer: " + e.getCause(), false, e.getCause());
    }
  }

  private BatchJobStatus status(JsonNode op) {
    JsonNode meta = op.path("metadata");
    String state = meta.path("state").asString("BATCH_STATE_PENDING");
    state = state.replaceFirst("^(BATCH|JOB)_STATE_", "");
    BatchJobState ours =
        switch (state) {
          case "RUNNING" -> BatchJobState.RUNNING;
          case "SUCCEEDED" -> BatchJobState.SUCCEEDED;
          case "FAILED" -> BatchJobState.FAILED;
          case "CANCELLED" -> BatchJobState.CANCELLED;
          case "CANCELLING" -> BatchJobState.CANCELLING;
          case "EXPIRED" -> BatchJobState.EXPIRED;
          default -> BatchJobState.PENDING;
        };
    JsonNode stats = meta.path("batchStats");
    String file = meta.path("output").path("responsesFile").asString(null);
    String name = op.path("name").asString(meta.path("name").asString(null));
    return new BatchJobStatus(
        name,
        ours,
        stats.path("requestCount").asInt(0),
        stats.path("successfulRequestCount").asInt(0),
        stats.path("failedRequestCount").asInt(0),
        file,
        null,
        op.path("error").path("message").asString(null));
  }

  /** The resumable upload: {@code start} answers the session URL, then one upload+finalize. */
  private String upload(String displayName, Path jsonl) throws IOException {
    long length = Files.size(jsonl);
    ObjectNode meta = json.createObjectNode();
    meta.putObject("file").put("displayName", displayName);
    HttpRequest start =
        request("/upload/v1beta/files")
            .header("X-Goog-Upload-Protocol", "resumable")
            .header("X-Goog-Upload-Command", "start")
            .header("X-Goog-Upload-Header-Content-Length", Long.toString(length))
            .header("X-Goog-Upload-Header-Content-Type", "application/jsonl")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(meta)))
            .build();
    HttpResponse<String> started;
    try {
      started = http.send(start, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new BatchCallFailed("upload start: " + e, false, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BatchCallFailed("upload start: interrupted", false, e);
    }
    if (started.statusCode() / 100 != 2) {
      throw BatchCallFailed.ofStatus("upload start", started.statusCode(), started.body());
    }
    String session =
        started
            .headers()
            .firstValue("X-Goog-Upload-URL")
            .orElseThrow(() -> new BatchCallFailed("upload start: no session URL", false, null));
    byte[] answer =
        calls.send(
            "upload",
            HttpRequest.newBuilder(URI.create(session))
                .timeout(endpoint.requestTimeout())
                .header("x-goog-api-key", key())
                .header("X-Goog-Upload-Command", "upload, finalize")
                .header("X-Goog-Upload-Offset", "0")
                .POST(HttpRequest.BodyPublishers.ofFile(jsonl))
                .build());
    return read(answer).path("file").path("name").asString();
  }

  private HttpRequest.Builder request(String path) {
    String base = endpoint.baseUrl().toString().replaceAll("/+$", "");
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(endpoint.requestTimeout())
        .header("x-goog-api-key", key());
  }

  private String key() {
    return endpoint.apiKey() == null ? "" : endpoint.apiKey();
  }

  private JsonNode read(byte[] body) {
    try {
      return json.readTree(body);
    } catch (JacksonException e) {
      throw new BatchCallFailed("unreadable answer: " + e.getOriginalMessage(), false, e);
    }
  }
}
