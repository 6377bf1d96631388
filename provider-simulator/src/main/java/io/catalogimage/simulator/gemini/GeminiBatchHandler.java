package io.catalogimage.simulator.gemini;

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
import io.catalogimage.simulator.models.GeminiModel;
import io.catalogimage.simulator.models.ModelRegistry;
import io.catalogimage.simulator.png.ImageFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Gemini's Batch API (reference §3): {@code models/{m}:batchGenerateContent} with inline requests
 * or a JSONL file from the Files API, {@code batches/{id}} get, {@code :cancel}, delete and list,
 * and the Files API (resumable or one-shot upload, metadata, download). A job's output is rendered
 * when asked for, line by line with the same renderer as {@code generateContent}; lines unfinished
 * when a job expires or is cancelled are absent from it.
 */
public final class GeminiBatchHandler implements HttpHandler {
  private static final long INLINE_LIMIT = 20L * 1024 * 1024;
  private static final Pattern BATCH =
      Pattern.compile("^/v1beta/batches/([A-Za-z0-9_-]+)(:cancel)?$");
  private static final Pattern FILE =
      Pattern.compile("^/(?:download/)?v1beta/files/([A-Za-z0-9_-]+)(:download)?$");
  private static final String OUTPUT_PREFIX = "batch-";
  private static final int DEFAULT_PAGE = 50;
  private static final int MAX_PAGE = 1000;

  private final Engine engine;
  private final Responder responder;
  private final ModelRegistry registry;
  private final GeminiResponses responses;
  private final BatchStore store;
  private final Map<String, String> pendingUploads = new ConcurrentHashMap<>();

  public GeminiBatchHandler(
      Engine engine,
      Responder responder,
      ModelRegistry registry,
      ImageFactory images,
      BatchStore store,
      ThoughtSignatures signatures) {
    this.engine = engine;
    this.responder = responder;
    this.registry = registry;
    this.responses = new GeminiResponses(images, registry, signatures);
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
      responder.send(exchange, GeminiErrors.status(413, "INVALID_ARGUMENT", e.getMessage()));
      return;
    }
    String project = authenticate(exchange);
    if (project == null) {
      return;
    }
    Instant now = engine.clock().now();
    HttpReply reply;
    if (path.equals("/upload/v1beta/files") && method.equals("POST")) {
      reply = upload(exchange, project, body, now);
    } else if (path.equals("/v1beta/batches") && method.equals("GET")) {
      reply = list(project, Exchanges.query(exchange), now);
    } else {
      Matcher b = BATCH.matcher(path);
      Matcher f = FILE.matcher(path);
      if (b.matches()) {
        reply = batch(project, b.group(1), b.group(2) != null, method, now);
      } else if (f.matches() && method.equals("GET")) {
        boolean download = f.group(2) != null || path.startsWith("/download/");
        reply = file(exchange, project, f.group(1), download, now);
      } else {
        reply = GeminiErrors.status(404, "NOT_FOUND", "Requested entity was not found.");
      }
    }
    responder.send(exchange, reply);
  }

  /** {@code POST models/{model}:batchGenerateContent}, routed here by {@link GeminiHandler}. */
  void create(HttpExchange exchange, String version, String requested, byte[] body) {
    String project = authenticate(exchange);
    if (project == null) {
      return;
    }
    SimulatorConfig cfg = engine.config();
    Optional<GeminiModel> found = registry.gemini(requested);
    if (found.isEmpty()) {
      responder.send(
          exchange, GeminiErrors.modelNotFound(version, requested, "batchGenerateContent"));
      return;
    }
    GeminiModel model = found.get();
    Instant now = engine.clock().now();
    if (store.activeJobs(project, now) >= BatchStore.MAX_ACTIVE_PER_PROJECT) {
      responder.send(
          exchange,
          GeminiErrors.status(
              429,
              "RESOURCE_EXHAUSTED",
              "Too many concurrent batch jobs: at most "
                  + BatchStore.MAX_ACTIVE_PER_PROJECT
                  + " may run per project."));
      return;
    }
    JsonNode batch;
    try {
      JsonNode root = Json.parse(body);
      batch = Json.get(root, "batch");
      if (batch == null) {
        batch = root;
      }
    } catch (JacksonException e) {
      responder.send(exchange, GeminiErrors.invalidArgument("Invalid JSON payload received."));
      return;
    }
    JsonNode input = Json.get(batch, "inputConfig");
    String displayName = Optional.ofNullable(Json.string(batch, "displayName")).orElse("");
    List<BatchStore.Draft> drafts;
    boolean inline;
    try {
      if (input != null && Json.get(input, "requests") != null) {
        if (body.length > INLINE_LIMIT) {
          throw new InvalidArgument(
              "Inline batch requests must total under 20 MB; use a JSONL file for larger jobs.");
        }
        inline = true;
        drafts = inlineDrafts(Json.get(Json.get(input, "requests"), "requests"), model, requested);
      } else if (input != null && Json.string(input, "fileName") != null) {
        inline = false;
        drafts = fileDrafts(Json.string(input, "fileName"), project, model, requested);
      } else {
        throw new InvalidArgument(
            "* BatchGenerateContentRequest.batch.input_config: either requests or file_name is"
                + " required\n");
      }
    } catch (InvalidArgument e) {
      responder.send(exchange, GeminiErrors.invalidArgument(e.getMessage()));
      return;
    }
    BatchJob job =
        store.create(
            cfg,
            FaultKind.Protocol.GEMINI,
            inline ? "i" : "f",
            project,
            model.id(),
            displayName,
            drafts,
            cfg.batch().geminiExpireAfter(),
            now);
    if (store.loseCreateAnswer(drafts)) {
      responder.closeUnansweredLater(exchange, cfg.faults().hangFor());
      return;
    }
    responder.send(exchange, HttpReply.json(200, operation(job, now, true)));
  }

  private List<BatchStore.Draft> inlineDrafts(
      JsonNode requests, GeminiModel model, String requested) {
    if (requests == null || !requests.isArray() || requests.isEmpty()) {
      throw new InvalidArgument(
          "* batch.input_config.requests: at least one request is required\n");
    }
    List<BatchStore.Draft> drafts = new ArrayList<>();
    int i = 0;
    for (JsonNode entry : requests) {
      JsonNode request = Json.get(entry, "request");
      String key = Json.string(Json.get(entry, "metadata"), "key");
      key = key != null ? key : Integer.toString(i);
      if (request == null) {
        throw new InvalidArgument("* batch.input_config.requests[" + i + "].request is required\n");
      }
      GeminiRequest parsed;
      try {
        parsed = parse(request, model, requested);
      } catch (InvalidArgument e) {
        throw new InvalidArgument("requests[" + i + "]: " + e.getMessage());
      }
      drafts.add(new BatchStore.Draft(key, parsed, parsed.prompt(), null));
      i++;
    }
    return drafts;
  }

  private List<BatchStore.Draft> fileDrafts(
      String fileName, String project, GeminiModel model, String requested) {
    String id = fileName.startsWith("files/") ? fileName.substring(6) : fileName;
    BatchStore.StoredFile file =
        store
            .file(id)
            .filter(f -> f.project().equals(project))
            .orElseThrow(() -> new InvalidArgument("File " + fileName + " was not found."));
    List<BatchStore.Draft> drafts = new ArrayList<>();
    String[] lines = new String(file.bytes(), StandardCharsets.UTF_8).split("\r?\n");
    int n = 0;
    for (String text : lines) {
      n++;
      if (text.isBlank()) {
        continue;
      }
      String key = "line-" + n;
      try {
        JsonNode line = Json.parse(text.getBytes(StandardCharsets.UTF_8));
        String k = Json.string(line, "key");
        key = k != null ? k : key;
        JsonNode request = Json.get(line, "request");
        if (request == null) {
          throw new InvalidArgument("line " + n + ": request is required");
        }
        GeminiRequest parsed = parse(request, model, requested);
        drafts.add(new BatchStore.Draft(key, parsed, parsed.prompt(), null));
      } catch (JacksonException e) {
        drafts.add(new BatchStore.Draft(key, null, "", "line " + n + " is not valid JSON"));
      } catch (InvalidArgument e) {
        drafts.add(new BatchStore.Draft(key, null, "", e.getMessage()));
      }
    }
    if (drafts.isEmpty()) {
      throw new InvalidArgument("File " + fileName + " holds no requests.");
    }
    return drafts;
  }

  private GeminiRequest parse(JsonNode request, GeminiModel model, String requested) {
    return GeminiRequestParser.parse(
        Json.bytes(request),
        model,
        requested,
        engine.config().gemini().lenientImageSize(),
        engine.receivedImages());
  }

  private HttpReply batch(String project, String id, boolean cancel, String method, Instant now) {
    Optional<BatchJob> found = store.job(id).filter(j -> j.project().equals(project));
    if (found.isEmpty()) {
      return GeminiErrors.status(404, "NOT_FOUND", "Requested entity was not found.");
    }
    BatchJob job = found.get();
    if (cancel && method.equals("POST")) {
      job.cancel(now);
      return HttpReply.json(200, Json.object());
    }
    if (!cancel && method.equals("DELETE")) {
      store.delete(id);
      return HttpReply.json(200, Json.object());
    }
    if (!cancel && method.equals("GET")) {
      return HttpReply.json(200, operation(job, now, true));
    }
    return GeminiErrors.status(405, "METHOD_NOT_ALLOWED", "Method not allowed.");
  }

  /**
   * {@code GET batches?pageSize=&pageToken=}: newest first, {@code nextPageToken} while more follow
   * (the Operations list shape). The token is opaque to the caller; here it names the last job of
   * the page, so jobs created meanwhile do not shift the pages.
   */
  private HttpReply list(String project, Map<String, String> query, Instant now) {
    int size;
    try {
      size = Integer.parseInt(query.getOrDefault("pageSize", "0"));
    } catch (NumberFormatException e) {
      return GeminiErrors.invalidArgument("Invalid value at 'page_size' (TYPE_INT32)");
    }
    size = size <= 0 ? DEFAULT_PAGE : Math.min(size, MAX_PAGE);
    String after = null;
    String token = query.get("pageToken");
    if (token != null && !token.isEmpty()) {
      try {
        after = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return GeminiErrors.invalidArgument("Invalid page token.");
      }
    }
    BatchStore.Page page = store.page(project, after, size, j -> !j.id().startsWith("batch_"));
    ObjectNode root = Json.object();
    ArrayNode ops = root.putArray("operations");
    for (BatchJob job : page.jobs()) {
      ops.add(operation(job, now, false)); // list never carries inlined responses
    }
    if (page.hasMore()) {
      String last = page.jobs().get(page.jobs().size() - 1).id();
      root.put(
          "nextPageToken",
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(last.getBytes(StandardCharsets.UTF_8)));
    }
    return HttpReply.json(200, root);
  }

  /** The long-running Operation that stands for a job (reference §3.2). */
  private ObjectNode operation(BatchJob job, Instant now, boolean withInline) {
    BatchJob.Phase phase = job.phase(now);
    ObjectNode op = Json.object();
    op.put("name", "batches/" + job.id());
    ObjectNode meta = op.putObject("metadata");
    meta.put(
        "@type", "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch");
    meta.put("name", "batches/" + job.id());
    meta.put("displayName", job.displayName());
    meta.put("model", "models/" + job.model());
    meta.put("state", "BATCH_STATE_" + phase.name());
    meta.put("createTime", job.created().toString());
    Instant ended = job.endedAt(now);
    meta.put("updateTime", (ended != null ? ended : now).toString());
    if (ended != null) {
      meta.put("endTime", ended.toString());
    }
    int finished = job.finishedCount(now);
    int failed = job.failedCount(now);
    ObjectNode stats = meta.putObject("batchStats");
    stats.put("requestCount", Integer.toString(job.lines().size()));
    stats.put("successfulRequestCount", Integer.toString(finished - failed));
    stats.put("failedRequestCount", Integer.toString(failed));
    stats.put("pendingRequestCount", Integer.toString(job.lines().size() - finished));
    boolean inline = job.id().startsWith("i");
    if (phase.terminal()) {
      ObjectNode output = meta.putObject("output");
      if (!inline) {
        output.put("responsesFile", "files/" + OUTPUT_PREFIX + job.id());
      } else if (withInline) {
        ArrayNode items = output.putObject("inlinedResponses").putArray("inlinedResponses");
        for (int i = 0; i < job.lines().size(); i++) {
          if (job.finished(i, now)) {
            BatchJob.Line line = job.lines().get(i);
            ObjectNode item = items.addObject();
            result(job, line, item);
            item.putObject("metadata").put("key", line.key());
          }
        }
      }
    }
    op.put("done", phase.terminal());
    return op;
  }

  /** Puts {@code response} or {@code error} for one finished line into {@code target}. */
  private void result(BatchJob job, BatchJob.Line line, ObjectNode target) {
    if (line.invalid() != null) {
      target.set("error", status(400, "INVALID_ARGUMENT", line.invalid()));
      return;
    }
    if (line.fault() == FaultKind.HTTP_500) {
      target.set("error", status(500, "INTERNAL", "Internal error encountered."));
      return;
    }
    GeminiModel model = registry.gemini(job.model()).orElseThrow();
    GeminiRequest request = (GeminiRequest) line.request();
    SimulatorConfig cfg = engine.config();
    long draw = Hashing.combine(cfg.seed(), Hashing.of(job.id()), Hashing.of(line.key()));
    Verdict verdict = new Verdict(line.fault(), null, Duration.ZERO, false, draw, null);
    HttpReply reply =
        responses.render(
            new GeminiResponses.Context(model, request, cfg.seed(), cfg.gemini()), verdict);
    target.set("response", Json.parse(reply.body()));
  }

  private static ObjectNode status(int code, String status, String message) {
    ObjectNode e = Json.object();
    e.put("code", code);
    e.put("message", message);
    e.put("status", status);
    return e;
  }

  private HttpReply file(
      HttpExchange exchange, String project, String id, boolean download, Instant now) {
    if (id.startsWith(OUTPUT_PREFIX)) {
      Optional<BatchJob> job =
          store.job(id.substring(OUTPUT_PREFIX.length())).filter(j -> j.project().equals(project));
      if (job.isEmpty() || !job.get().phase(now).terminal()) {
        return GeminiErrors.status(404, "NOT_FOUND", "Requested entity was not found.");
      }
      return download
          ? outputFile(job.get(), now)
          : HttpReply.json(200, fileMeta(exchange, id, "", "application/jsonl", -1, now));
    }
    Optional<BatchStore.StoredFile> file = store.file(id).filter(f -> f.project().equals(project));
    if (file.isEmpty()) {
      return GeminiErrors.status(404, "NOT_FOUND", "Requested entity was not found.");
    }
    BatchStore.StoredFile f = file.get();
    if (download) {
      return new HttpReply(200, "application/octet-stream", f.bytes(), Map.of());
    }
    return HttpReply.json(
        200,
        fileMeta(exchange, f.id(), f.name(), "application/jsonl", f.bytes().length, f.created()));
  }

  /** The responses file: one {@code {"key", "response"|"error"}} line per finished request. */
  private HttpReply outputFile(BatchJob job, Instant now) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < job.lines().size(); i++) {
      if (!job.finished(i, now)) {
        continue;
      }
      BatchJob.Line line = job.lines().get(i);
      ObjectNode node = Json.object();
      node.put("key", line.key());
      result(job, line, node);
      out.writeBytes(Json.bytes(node));
      out.write('\n');
    }
    return new HttpReply(200, "application/jsonl", out.toByteArray(), Map.of());
  }

  /**
   * {@code POST /upload/v1beta/files}: the resumable protocol the SDKs use ({@code start}, then
   * {@code upload, finalize} to the returned URL), or the whole file in one request.
   */
  private HttpReply upload(HttpExchange exchange, String project, byte[] body, Instant now) {
    String command =
        Optional.ofNullable(Exchanges.header(exchange, "X-Goog-Upload-Command")).orElse("");
    String uploadId = Exchanges.query(exchange).get("upload_id");
    if (command.contains("start")) {
      String name = "";
      try {
        name =
            Optional.ofNullable(Json.string(Json.get(Json.parse(body), "file"), "displayName"))
                .orElse("");
      } catch (JacksonException e) {
        // a start without metadata is allowed
      }
      String id = UUID.randomUUID().toString().replace("-", "");
      pendingUploads.put(id, project + "\n" + name);
      String host = Optional.ofNullable(Exchanges.header(exchange, "Host")).orElse("127.0.0.1");
      return HttpReply.json(200, Json.object())
          .withHeader(
              "X-Goog-Upload-URL", "http://" + host + "/upload/v1beta/files?upload_id=" + id)
          .withHeader("X-Goog-Upload-Status", "active");
    }
    String name = "";
    if (uploadId != null) {
      String pending = pendingUploads.remove(uploadId);
      if (pending == null || !pending.startsWith(project + "\n")) {
        return GeminiErrors.status(404, "NOT_FOUND", "No such upload session.");
      }
      name = pending.substring(project.length() + 1);
    }
    BatchStore.StoredFile f = store.putFile("", project, name, "batch", body, now);
    ObjectNode root = Json.object();
    root.set("file", fileMeta(exchange, f.id(), name, "application/jsonl", body.length, now));
    return HttpReply.json(200, root).withHeader("X-Goog-Upload-Status", "final");
  }

  private static ObjectNode fileMeta(
      HttpExchange exchange, String id, String name, String mime, long size, Instant created) {
    String host = Optional.ofNullable(Exchanges.header(exchange, "Host")).orElse("127.0.0.1");
    ObjectNode f = Json.object();
    f.put("name", "files/" + id);
    f.put("displayName", name);
    f.put("mimeType", mime);
    if (size >= 0) {
      f.put("sizeBytes", Long.toString(size));
    }
    f.put("createTime", created.toString());
    f.put("expirationTime", created.plus(Duration.ofHours(48)).toString());
    f.put("state", "ACTIVE");
    f.put("uri", "http://" + host + "/v1beta/files/" + id);
    return f;
  }

  /** The caller's project, or null after answering the error (same rules as generateContent). */
  private String authenticate(HttpExchange exchange) {
    String key = Exchanges.header(exchange, "x-goog-api-key");
    if (key == null) {
      key = Exchanges.query(exchange).get("key");
    }
    if (key == null || key.isEmpty()) {
      responder.send(exchange, GeminiErrors.missingKey());
      return null;
    }
    String project = engine.config().apiKeys().get(key);
    if (project == null) {
      responder.send(exchange, GeminiErrors.invalidKey());
    }
    return project;
  }
}
