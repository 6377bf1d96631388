package io.catalogimage.simulator.openai;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.batch.BatchJob;
import io.catalogimage.simulator.batch.BatchStore;
import io.catalogimage.simulator.engine.Engine;
import io.catalogimage.simulator.engine.Verdict;
import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.fault.Hashing;
import io.catalogimage.simulator.http.Exchanges;
import io.catalogimage.simulator.http.HttpReply;
import io.catalogimage.simulator.http.Json;
import io.catalogimage.simulator.http.Responder;
import io.catalogimage.simulator.models.ModelRegistry;
import io.catalogimage.simulator.models.OpenAiModel;
import io.catalogimage.simulator.png.ImageFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's Files and Batch APIs for image generation (reference §5.7): {@code POST /v1/files}
 * ({@code purpose=batch}), {@code GET /v1/files/{id}[/content]}, {@code POST|GET /v1/batches},
 * {@code GET /v1/batches/{id}}, {@code POST /v1/batches/{id}/cancel}. Successful lines go to the
 * output file, failed ones (server errors, moderation, and on expiry or cancel the unfinished ones,
 * as {@code batch_expired} / {@code batch_cancelled}) to the error file.
 */
public final class OpenAiBatchHandler implements HttpHandler {
  /** At most 50,000 requests per batch input file (reference §5.7). */
  static final int MAX_LINES = 50_000;

  private static final Pattern BATCH = Pattern.compile("^/v1/batches/([A-Za-z0-9_-]+)(/cancel)?$");
  private static final Pattern FILE = Pattern.compile("^/v1/files/([A-Za-z0-9_-]+)(/content)?$");
  private static final Set<String> ENDPOINTS = Set.of("/v1/images/generations", "/v1/images/edits");
  private static final String OUT = "file-out-";
  private static final String ERR = "file-err-";

  private final Engine engine;
  private final Responder responder;
  private final ModelRegistry registry;
  private final OpenAiResponses responses;
  private final BatchStore store;

  /** Batches refused at validation (status "failed"): they never become jobs. */
  private final Map<String, ObjectNode> failed = new ConcurrentHashMap<>();

  public OpenAiBatchHandler(
      Engine engine,
      Responder responder,
      ModelRegistry registry,
      ImageFactory images,
      BatchStore store) {
    this.engine = engine;
    this.responder = responder;
    this.registry = registry;
    this.responses = new OpenAiResponses(images);
    this.store = store;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    byte[] body;
    try {
      body = Exchanges.body(exchange);
    } catch (Exchanges.BodyTooLargeException e) {
      responder.send(
          exchange,
          new OpenAiError(413, e.getMessage(), "invalid_request_error", null, null).reply());
      return;
    }
    String project = authenticate(exchange);
    if (project == null) {
      return;
    }
    Instant now = engine.clock().now();
    HttpReply reply;
    try {
      if (path.equals("/v1/files") && method.equals("POST")) {
        reply = upload(exchange, project, body, now);
      } else if (path.equals("/v1/batches") && method.equals("POST")) {
        reply = create(project, body, now);
      } else if (path.equals("/v1/batches") && method.equals("GET")) {
        reply = list(project, Exchanges.query(exchange), now);
      } else {
        Matcher b = BATCH.matcher(path);
        Matcher f = FILE.matcher(path);
        if (b.matches() && (b.group(2) != null ? method.equals("POST") : method.equals("GET"))) {
          reply = batch(project, b.group(1), b.group(2) != null, now);
        } else if (f.matches() && method.equals("GET")) {
          reply = file(project, f.group(1), f.group(2) != null, now);
        } else {
          throw new OpenAiError(
              404,
              "Invalid URL (%s %s)".formatted(method, path),
              "invalid_request_error",
              null,
              null);
        }
      }
    } catch (OpenAiError e) {
      reply = e.reply();
    }
    if (reply == null) {
      // the job was created; its answer is held for faults.hangFor, then the connection closes
      responder.closeUnansweredLater(exchange, engine.config().faults().hangFor());
      return;
    }
    responder.send(exchange, reply.withHeader("x-request-id", requestId()));
  }

  private HttpReply upload(HttpExchange exchange, String project, byte[] body, Instant now) {
    String contentType = Exchanges.header(exchange, "Content-Type");
    if (!Multipart.isMultipart(contentType)) {
      throw new OpenAiError(
          400,
          "Expected a multipart/form-data body with 'file' and 'purpose'.",
          "invalid_request_error",
          null,
          null);
    }
    String purpose = null;
    Multipart.Part file = null;
    for (Multipart.Part p : Multipart.parse(contentType, body)) {
      if (p.name().equals("purpose")) {
        purpose = p.text();
      } else if (p.name().equals("file")) {
        file = p;
      }
    }
    if (file == null) {
      throw missing("file");
    }
    if (purpose == null) {
      throw missing("purpose");
    }
    if (!purpose.equals("batch")) {
      throw OpenAiError.invalidValue(
          "purpose", "Only purpose 'batch' is supported by this simulator.");
    }
    String name = file.filename() != null ? file.filename() : "upload.jsonl";
    BatchStore.StoredFile f = store.putFile("file-", project, name, purpose, file.data(), now);
    return HttpReply.json(200, fileObject(f.id(), name, purpose, f.bytes().length, now));
  }

  private HttpReply create(String project, byte[] body, Instant now) {
    JsonNode root;
    try {
      root = Json.parse(body);
    } catch (JacksonException e) {
      throw new OpenAiError(
          400,
          "We could not parse the JSON body of your request.",
          "invalid_request_error",
          null,
          null);
    }
    String inputFileId = Json.string(root, "input_file_id");
    String endpoint = root.path("endpoint").asString("");
    String window = root.path("completion_window").asString("");
    if (inputFileId == null) {
      throw missing("input_file_id");
    }
    if (!ENDPOINTS.contains(endpoint)) {
      throw OpenAiError.invalidValue(
          "endpoint", "Invalid value for 'endpoint': this simulator batches " + ENDPOINTS + ".");
    }
    ObjectNode metadata = metadata(root.get("metadata"));
    if (!window.equals("24h")) {
      throw OpenAiError.invalidValue(
          "completion_window", "Invalid value for 'completion_window': only '24h' is supported.");
    }
    BatchStore.StoredFile input =
        store
            .file(inputFileId)
            .filter(f -> f.project().equals(project))
            .orElseThrow(
                () ->
                    new OpenAiError(
                        404,
                        "No such File object: " + inputFileId,
                        "invalid_request_error",
                        "input_file_id",
                        null));
    SimulatorConfig cfg = engine.config();
    List<BatchStore.Draft> drafts = new ArrayList<>();
    List<ObjectNode> errors = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    String model = null;
    String[] lines = new String(input.bytes(), StandardCharsets.UTF_8).split("\r?\n");
    int n = 0;
    for (String text : lines) {
      n++;
      if (text.isBlank()) {
        continue;
      }
      try {
        JsonNode line = Json.parse(text.getBytes(StandardCharsets.UTF_8));
        String customId = Json.string(line, "custom_id");
        if (customId == null || !ids.add(customId)) {
          errors.add(lineError(n, "invalid_request", "custom_id is missing or not unique"));
          continue;
        }
        if (!endpoint.equals(line.path("url").asString(""))
            || !"POST".equals(line.path("method").asString(""))) {
          errors.add(
              lineError(n, "invalid_url", "url must be the batch's endpoint and method POST"));
          continue;
        }
        JsonNode requestBody = line.get("body");
        boolean edit = endpoint.endsWith("edits");
        OpenAiRequestParser.Fields fields =
            OpenAiRequestParser.read(
                edit,
                "application/json",
                Json.bytes(requestBody == null ? Json.object() : requestBody),
                engine.receivedImages());
        String lineModel = OpenAiRequestParser.model(edit, fields);
        if (registry.openai(lineModel).isEmpty()) {
          errors.add(
              lineError(n, "model_not_found", "The model `" + lineModel + "` does not exist."));
          continue;
        }
        if (model != null && !model.equals(lineModel)) {
          errors.add(
              lineError(n, "mismatched_model", "All requests in a batch must use one model."));
          continue;
        }
        model = lineModel;
        OpenAiRequest request = OpenAiRequestParser.parse(edit, lineModel, fields);
        drafts.add(new BatchStore.Draft(customId, request, request.prompt(), null));
      } catch (JacksonException e) {
        errors.add(lineError(n, "invalid_json_line", "This line is not valid JSON."));
      } catch (OpenAiError e) {
        errors.add(lineError(n, "invalid_request", e.getMessage()));
      }
    }
    if (drafts.size() + errors.size() > MAX_LINES) {
      errors.add(
          lineError(MAX_LINES + 1, "too_many_requests", "At most 50,000 requests per batch."));
    }
    if (!errors.isEmpty() || drafts.isEmpty()) {
      if (errors.isEmpty()) {
        errors.add(lineError(0, "empty_file", "The input file holds no requests."));
      }
      String id =
          "batch_" + HexFormat.of().formatHex(new byte[] {(byte) n}) + requestId().substring(4, 20);
      ObjectNode b = skeleton(id, endpoint, model, inputFileId, now);
      b.put("status", "failed");
      b.put("failed_at", now.getEpochSecond());
      b.putObject("errors").put("object", "list").putArray("data").addAll(errors);
      failed.put(id, b);
      return HttpReply.json(200, b);
    }
    BatchJob job =
        store.create(
            cfg,
            FaultKind.Protocol.OPENAI,
            "batch_",
            project,
            model,
            endpoint
                + "\n"
                + inputFileId
                + "\n"
                + new String(Json.bytes(metadata), StandardCharsets.UTF_8),
            drafts,
            cfg.batch().openAiWindow(),
            now);
    if (store.loseCreateAnswer(drafts)) {
      return null;
    }
    return HttpReply.json(200, batchObject(job, now, false));
  }

  private HttpReply batch(String project, String id, boolean cancel, Instant now) {
    ObjectNode refused = failed.get(id);
    if (refused != null) {
      return HttpReply.json(200, refused);
    }
    BatchJob job =
        store
            .job(id)
            .filter(j -> j.project().equals(project))
            .orElseThrow(
                () ->
                    new OpenAiError(
                        404,
                        "No batch found with id '" + id + "'.",
                        "invalid_request_error",
                        null,
                        null));
    if (cancel) {
      boolean took = job.cancel(now);
      return HttpReply.json(200, batchObject(job, now, took));
    }
    return HttpReply.json(200, batchObject(job, now, false));
  }

  /**
   * {@code GET /v1/batches?limit=&after=}: newest first, 1..100 per page (default 20), {@code
   * first_id}, {@code last_id}, {@code has_more}; {@code after} is the last id of the previous
   * page.
   */
  private HttpReply list(String project, Map<String, String> query, Instant now) {
    int limit;
    try {
      limit = Integer.parseInt(query.getOrDefault("limit", "20"));
    } catch (NumberFormatException e) {
      throw OpenAiError.invalidValue("limit", "Invalid 'limit': expected an integer.");
    }
    if (limit < 1 || limit > 100) {
      throw OpenAiError.invalidValue(
          "limit", "Invalid 'limit': integer below minimum value or above maximum value (1-100).");
    }
    BatchStore.Page page =
        store.page(project, query.get("after"), limit, j -> j.id().startsWith("batch_"));
    ObjectNode root = Json.object();
    root.put("object", "list");
    var data = root.putArray("data");
    for (BatchJob job : page.jobs()) {
      data.add(batchObject(job, now, false));
    }
    if (page.jobs().isEmpty()) {
      root.putNull("first_id");
      root.putNull("last_id");
    } else {
      root.put("first_id", page.jobs().get(0).id());
      root.put("last_id", page.jobs().get(page.jobs().size() - 1).id());
    }
    root.put("has_more", page.hasMore());
    return HttpReply.json(200, root);
  }

  /** {@code metadata}: at most 16 string pairs, keys up to 64 and values up to 512 characters. */
  private static ObjectNode metadata(JsonNode given) {
    ObjectNode out = Json.object();
    if (given == null || given.isNull()) {
      return out;
    }
    if (!given.isObject() || given.size() > 16) {
      throw OpenAiError.invalidValue(
          "metadata", "Invalid 'metadata': an object of at most 16 key-value pairs.");
    }
    for (var e : given.properties()) {
      if (e.getKey().length() > 64
          || !e.getValue().isString()
          || e.getValue().asString().length() > 512) {
        throw OpenAiError.invalidValue(
            "metadata", "Invalid 'metadata': keys up to 64 characters, string values up to 512.");
      }
      out.put(e.getKey(), e.getValue().asString());
    }
    return out;
  }

  private ObjectNode batchObject(BatchJob job, Instant now, boolean justCancelled) {
    String[] meta = job.displayName().split("\n", 3);
    ObjectNode b = skeleton(job.id(), meta[0], job.model(), meta[1], job.created());
    if (meta.length == 3) {
      b.set("metadata", Json.parse(meta[2].getBytes(StandardCharsets.UTF_8)));
    }
    BatchJob.Phase phase = job.phase(now);
    String status =
        switch (phase) {
          case PENDING -> "validating";
          case RUNNING -> "in_progress";
          case SUCCEEDED -> "completed";
          case EXPIRED -> "expired";
          case CANCELLED -> justCancelled ? "cancelling" : "cancelled";
        };
    b.put("status", status);
    b.put("expires_at", job.expiresAt().getEpochSecond());
    Instant ended = job.endedAt(now);
    if (phase != BatchJob.Phase.PENDING) {
      b.put("in_progress_at", job.created().getEpochSecond());
    }
    switch (phase) {
      case SUCCEEDED -> {
        b.put("finalizing_at", ended.getEpochSecond());
        b.put("completed_at", ended.getEpochSecond());
      }
      case EXPIRED -> b.put("expired_at", ended.getEpochSecond());
      case CANCELLED -> {
        b.put("cancelling_at", ended.getEpochSecond());
        if (!justCancelled) {
          b.put("cancelled_at", ended.getEpochSecond());
        }
      }
      default -> {}
    }
    int finished = job.finishedCount(now);
    int failedLines = job.failedCount(now) + blocked(job, now);
    ObjectNode counts = b.putObject("request_counts");
    counts.put("total", job.lines().size());
    counts.put("completed", finished - failedLines);
    counts.put("failed", failedLines);
    if (phase.terminal() && !justCancelled) {
      boolean anyOut = false;
      boolean anyErr = false;
      for (int i = 0; i < job.lines().size(); i++) {
        boolean ok = job.finished(i, now) && succeeded(job.lines().get(i));
        anyOut |= ok;
        anyErr |= !ok;
      }
      if (anyOut) {
        b.put("output_file_id", OUT + job.id());
      }
      if (anyErr) {
        b.put("error_file_id", ERR + job.id());
      }
      b.set("usage", usage(job, now));
    }
    return b;
  }

  private static ObjectNode skeleton(
      String id, String endpoint, String model, String inputFileId, Instant created) {
    ObjectNode b = Json.object();
    b.put("id", id);
    b.put("object", "batch");
    b.put("endpoint", endpoint);
    if (model != null) {
      b.put("model", model);
    }
    b.putNull("errors");
    b.put("input_file_id", inputFileId);
    b.put("completion_window", "24h");
    b.put("created_at", created.getEpochSecond());
    b.putNull("output_file_id");
    b.putNull("error_file_id");
    b.putObject("metadata");
    return b;
  }

  /** Finished lines answered with an error body (moderation) although the job ran them. */
  private int blocked(BatchJob job, Instant now) {
    int n = 0;
    for (int i = 0; i < job.lines().size(); i++) {
      BatchJob.Line line = job.lines().get(i);
      if (job.finished(i, now) && !BatchJob.failed(line) && !succeeded(line)) {
        n++;
      }
    }
    return n;
  }

  private static boolean succeeded(BatchJob.Line line) {
    return line.invalid() == null
        && (line.fault() == null || line.fault() == FaultKind.SIZE_IGNORED);
  }

  /** Tokens of the successful lines, summed as OpenAI reports them for the whole batch. */
  private ObjectNode usage(BatchJob job, Instant now) {
    long input = 0;
    long output = 0;
    for (int i = 0; i < job.lines().size(); i++) {
      BatchJob.Line line = job.lines().get(i);
      if (job.finished(i, now) && succeeded(line)) {
        JsonNode u = render(job, line).body().path("usage");
        input += u.path("input_tokens").asLong(0);
        output += u.path("output_tokens").asLong(0);
      }
    }
    ObjectNode usage = Json.object();
    usage.put("input_tokens", input);
    usage.putObject("input_tokens_details").put("cached_tokens", 0);
    usage.put("output_tokens", output);
    usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
    usage.put("total_tokens", input + output);
    return usage;
  }

  private record Rendered(int status, String requestId, JsonNode body) {}

  private Rendered render(BatchJob job, BatchJob.Line line) {
    SimulatorConfig cfg = engine.config();
    long draw = Hashing.combine(cfg.seed(), Hashing.of(job.id()), Hashing.of(line.key()));
    String requestId = "req_" + Long.toHexString(draw);
    OpenAiModel model = registry.openai(job.model()).orElseThrow();
    OpenAiRequest request = (OpenAiRequest) line.request();
    Verdict verdict = new Verdict(line.fault(), null, Duration.ZERO, false, draw, null);
    HttpReply reply =
        responses.render(
            new OpenAiResponses.Context(
                model, request, job.project(), requestId, job.created().getEpochSecond()),
            verdict);
    return new Rendered(reply.status(), requestId, Json.parse(reply.body()));
  }

  private HttpReply file(String project, String id, boolean content, Instant now) {
    if (id.startsWith(OUT) || id.startsWith(ERR)) {
      boolean out = id.startsWith(OUT);
      String jobId = id.substring(out ? OUT.length() : ERR.length());
      BatchJob job =
          store
              .job(jobId)
              .filter(j -> j.project().equals(project) && j.phase(now).terminal())
              .orElseThrow(() -> noFile(id));
      if (!content) {
        return HttpReply.json(200, fileObject(id, id + ".jsonl", "batch_output", -1, now));
      }
      return new HttpReply(200, "application/octet-stream", results(job, out, now), Map.of());
    }
    BatchStore.StoredFile f =
        store.file(id).filter(x -> x.project().equals(project)).orElseThrow(() -> noFile(id));
    if (content) {
      return new HttpReply(200, "application/octet-stream", f.bytes(), Map.of());
    }
    return HttpReply.json(
        200, fileObject(f.id(), f.name(), f.purpose(), f.bytes().length, f.created()));
  }

  /** The output file (successes) or the error file (everything else) of an ended job. */
  private byte[] results(BatchJob job, boolean successes, Instant now) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    BatchJob.Phase phase = job.phase(now);
    for (int i = 0; i < job.lines().size(); i++) {
      BatchJob.Line line = job.lines().get(i);
      boolean finished = job.finished(i, now);
      boolean ok = finished && succeeded(line);
      if (ok != successes) {
        continue;
      }
      ObjectNode node = Json.object();
      node.put("id", "batch_req_" + Long.toHexString(Hashing.combine(Hashing.of(job.id()), i)));
      node.put("custom_id", line.key());
      if (!finished) {
        node.putNull("response");
        boolean expired = phase == BatchJob.Phase.EXPIRED;
        node.putObject("error")
            .put("code", expired ? "batch_expired" : "batch_cancelled")
            .put(
                "message",
                expired
                    ? "This request could not be executed before the completion window expired."
                    : "This request was not executed because the batch was cancelled.");
      } else if (line.invalid() != null) {
        node.putNull("response");
        node.putObject("error").put("code", "invalid_request").put("message", line.invalid());
      } else if (line.fault() == FaultKind.HTTP_500) {
        ObjectNode response = node.putObject("response");
        response.put("status_code", 500);
        response.put("request_id", "req_" + Long.toHexString(Hashing.of(job.id() + line.key())));
        response.set(
            "body",
            OpenAiError.body(
                "The server had an error while processing your request. Sorry about that!",
                "server_error",
                null,
                null));
        node.putNull("error");
      } else {
        Rendered r = render(job, line);
        ObjectNode response = node.putObject("response");
        response.put("status_code", r.status());
        response.put("request_id", r.requestId());
        response.set("body", r.body());
        node.putNull("error");
      }
      buf.writeBytes(Json.bytes(node));
      buf.write('\n');
    }
    return buf.toByteArray();
  }

  private static ObjectNode fileObject(
      String id, String name, String purpose, long bytes, Instant created) {
    ObjectNode f = Json.object();
    f.put("id", id);
    f.put("object", "file");
    if (bytes >= 0) {
      f.put("bytes", bytes);
    }
    f.put("created_at", created.getEpochSecond());
    f.put("filename", name);
    f.put("purpose", purpose);
    f.put("status", "processed");
    return f;
  }

  private static ObjectNode lineError(int line, String code, String message) {
    ObjectNode e = Json.object();
    e.put("code", code);
    e.put("line", line);
    e.put("message", message);
    e.putNull("param");
    return e;
  }

  private static OpenAiError missing(String param) {
    return new OpenAiError(
        400,
        "Missing required parameter: '" + param + "'.",
        "invalid_request_error",
        param,
        "missing_required_parameter");
  }

  private static OpenAiError noFile(String id) {
    return new OpenAiError(404, "No such File object: " + id, "invalid_request_error", "id", null);
  }

  /** The caller's project, or null after answering 401. */
  private String authenticate(HttpExchange exchange) {
    String auth = Exchanges.header(exchange, "Authorization");
    String key =
        auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
            ? auth.substring(7).trim()
            : "";
    String project = key.isEmpty() ? null : engine.config().apiKeys().get(key);
    if (project == null) {
      responder.send(
          exchange,
          new OpenAiError(
                  401,
                  key.isEmpty()
                      ? "You didn't provide an API key."
                      : "Incorrect API key provided: " + OpenAiHandler.mask(key) + ".",
                  "invalid_request_error",
                  null,
                  key.isEmpty() ? null : "invalid_api_key")
              .reply());
    }
    return project;
  }

  private static String requestId() {
    return "req_"
        + Long.toHexString(
            Optional.of(System.nanoTime()).get() ^ Hashing.of(Thread.currentThread().getName()));
  }
}
