package io.catalogimage.simulator.gemini;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.config.AliasMode;
import io.catalogimage.simulator.config.SignatureMode;
import io.catalogimage.simulator.engine.Call;
import io.catalogimage.simulator.engine.Engine;
import io.catalogimage.simulator.engine.Verdict;
import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.fault.TransportFaults;
import io.catalogimage.simulator.http.Exchanges;
import io.catalogimage.simulator.http.HttpReply;
import io.catalogimage.simulator.http.Json;
import io.catalogimage.simulator.http.Responder;
import io.catalogimage.simulator.models.GeminiModel;
import io.catalogimage.simulator.models.ModelRegistry;
import io.catalogimage.simulator.png.ImageFactory;
import io.catalogimage.simulator.stats.StatsRecorder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code POST /v1beta/models/{model}:generateContent} (and {@code :streamGenerateContent}, answered
 * as one chunk; {@code /v1/models/...} too, which is where google-genai 2.x sends by default).
 * Reads and validates on the server's thread, asks the engine for a verdict, then leaves the answer
 * to the {@link Responder} so the simulated latency holds no thread.
 */
public final class GeminiHandler implements HttpHandler {
  private static final Pattern ROUTE =
      Pattern.compile("^/(v1beta|v1|v1alpha)/models/([^/:]+):([A-Za-z]+)$");
  private static final Pattern MODEL = Pattern.compile("^/(v1beta|v1|v1alpha)/models/([^/:]+)$");

  private final Engine engine;
  private final Responder responder;
  private final ModelRegistry registry;
  private final GeminiResponses responses;
  private final TextFaults textFaults = new TextFaults();
  private final GeminiBatchHandler batches;
  private final ThoughtSignatures signatures;

  public GeminiHandler(
      Engine engine,
      Responder responder,
      ModelRegistry registry,
      ImageFactory images,
      GeminiBatchHandler batches,
      ThoughtSignatures signatures) {
    this.engine = engine;
    this.responder = responder;
    this.registry = registry;
    this.signatures = signatures;
    this.responses = new GeminiResponses(images, registry, signatures);
    this.batches = batches;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    Matcher lookup = MODEL.matcher(exchange.getRequestURI().getPath());
    if (lookup.matches() && exchange.getRequestMethod().equals("GET")) {
      getModel(exchange, lookup.group(1), lookup.group(2));
      return;
    }
    Matcher route = ROUTE.matcher(exchange.getRequestURI().getPath());
    if (!route.matches()) {
      responder.send(
          exchange, GeminiErrors.status(404, "NOT_FOUND", "Requested entity was not found."));
      return;
    }
    String version = route.group(1);
    String requested = route.group(2);
    String method = route.group(3);
    boolean stream = method.equals("streamGenerateContent");
    boolean batch = method.equals("batchGenerateContent");
    if (!method.equals("generateContent") && !stream && !batch) {
      responder.send(exchange, GeminiErrors.modelNotFound(version, requested, method));
      return;
    }
    if (!exchange.getRequestMethod().equals("POST")) {
      responder.send(
          exchange, GeminiErrors.status(405, "METHOD_NOT_ALLOWED", "Only POST is supported."));
      return;
    }
    SimulatorConfig cfg = engine.config();
    byte[] body;
    try {
      body = Exchanges.body(exchange);
    } catch (Exchanges.BodyTooLargeException e) {
      responder.send(exchange, GeminiErrors.status(413, "INVALID_ARGUMENT", e.getMessage()));
      return;
    }
    if (batch) {
      batches.create(exchange, version, requested, body);
      return;
    }

    String project = authenticate(exchange, requested, cfg);
    if (project == null) {
      return;
    }

    if (VisionAnswers.serves(requested)) {
      caption(exchange, requested, project, body, cfg);
      return;
    }
    Optional<GeminiModel> model = resolve(requested, cfg.gemini().aliasMode());
    if (model.isEmpty()) {
      engine.recordRequestError(requested, project, StatsRecorder.NOT_FOUND);
      responder.send(exchange, GeminiErrors.modelNotFound(version, requested, method));
      return;
    }
    GeminiRequest request;
    try {
      request =
          GeminiRequestParser.parse(
              body,
              model.get(),
              requested,
              cfg.gemini().lenientImageSize(),
              engine.receivedImages());
    } catch (InvalidArgument e) {
      engine.recordRequestError(model.get().id(), project, StatsRecorder.INVALID_ARGUMENT);
      responder.send(exchange, GeminiErrors.invalidArgument(e.getMessage()));
      return;
    }

    Optional<String> unsigned;
    try {
      unsigned =
          signatures.check(
              Json.get(Json.parse(body), "contents"),
              model.get(),
              cfg.seed(),
              cfg.gemini().signatures());
    } catch (RuntimeException e) {
      unsigned = Optional.empty(); // the parser above accepted the body
    }
    if (unsigned.isPresent() && cfg.gemini().signatures() == SignatureMode.STRICT) {
      engine.recordRequestError(model.get().id(), project, StatsRecorder.INVALID_ARGUMENT);
      responder.send(exchange, GeminiErrors.invalidArgument(unsigned.get()));
      return;
    }
    String warning = unsigned.orElse(null);
    Verdict verdict =
        engine.decide(
            new Call(
                FaultKind.Protocol.GEMINI,
                project,
                model.get().id(),
                requested,
                request.prompt(),
                1,
                request.imageSize()));
    Optional<java.time.Duration> unanswered = TransportFaults.unanswered(verdict, cfg.faults());
    if (unanswered.isPresent()) {
      responder.closeUnansweredLater(exchange, unanswered.get());
      return;
    }
    TextFaults.Kind textFault =
        request.wantText()
            ? textFaults
                .choose(
                    model.get().id(), request.prompt(), cfg.seed(), cfg.gemini().altTextFaultRate())
                .orElse(null)
            : null;
    GeminiResponses.Context ctx =
        new GeminiResponses.Context(model.get(), request, cfg.seed(), cfg.gemini(), textFault);
    boolean sse = stream && "sse".equals(Exchanges.query(exchange).get("alt"));
    responder.sendLater(
        exchange,
        verdict.latency(),
        () -> {
          HttpReply reply = responses.render(ctx, verdict);
          if (stream && reply.status() == 200) {
            reply = sse ? asSse(reply) : asJsonArray(reply);
          }
          if (warning != null) {
            reply = reply.withHeader("x-sim-signature-warning", warning);
          }
          return reply
              .withHeader("x-sim-outcome", verdict.outcome())
              .withHeader("x-sim-latency-ms", Long.toString(verdict.latency().toMillis()));
        });
  }

  /**
   * models.get: the Model resource, or the same refusal of a bad key as a generation call. Free on
   * the real API, so only a refused key is counted in the stats (as any refused call is); a lookup
   * that succeeds or names an unknown model is no call to a model.
   */
  private void getModel(HttpExchange exchange, String version, String requested)
      throws IOException {
    SimulatorConfig cfg = engine.config();
    if (authenticate(exchange, requested, cfg) == null) {
      return;
    }
    if (VisionAnswers.serves(requested)) {
      responder.send(exchange, GeminiModels.textModel(requested));
      return;
    }
    Optional<GeminiModel> model = resolve(requested, cfg.gemini().aliasMode());
    responder.send(
        exchange,
        model.isPresent()
            ? GeminiModels.imageModel(requested, model.get())
            // ❓ the wording for models.get is assumed to follow generateContent's
            : GeminiErrors.modelNotFound(version, requested, "get"));
  }

  /** The caller's project, or null after answering the refusal (403 no key, 400 wrong key). */
  private String authenticate(HttpExchange exchange, String model, SimulatorConfig cfg)
      throws IOException {
    String key = Exchanges.header(exchange, "x-goog-api-key");
    if (key == null) {
      key = Exchanges.query(exchange).get("key");
    }
    if (key == null || key.isEmpty()) {
      engine.recordRequestError(model, null, StatsRecorder.UNAUTHENTICATED);
      responder.send(exchange, GeminiErrors.missingKey());
      return null;
    }
    String project = cfg.apiKeys().get(key);
    if (project == null) {
      engine.recordRequestError(model, null, StatsRecorder.UNAUTHENTICATED);
      responder.send(exchange, GeminiErrors.invalidKey());
    }
    return project;
  }

  /** A vision text model: the image inline, text out (see {@link VisionAnswers}). */
  private void caption(
      HttpExchange exchange, String model, String project, byte[] body, SimulatorConfig cfg)
      throws IOException {
    GeminiRequest request;
    try {
      request =
          GeminiRequestParser.parse(
              body,
              registry.geminiModels().iterator().next(),
              model,
              true,
              engine.receivedImages()); // the image described, by size and SHA-256
      if (request.inputImages() == 0) {
        throw new InvalidArgument(
            "the simulator's vision models describe an image: send it as an inlineData part");
      }
    } catch (InvalidArgument e) {
      engine.recordRequestError(model, project, StatsRecorder.INVALID_ARGUMENT);
      responder.send(exchange, GeminiErrors.invalidArgument(e.getMessage()));
      return;
    }
    Verdict verdict =
        engine.decide(
            new Call(FaultKind.Protocol.GEMINI, project, model, model, request.prompt(), 0, "1K"));
    Optional<java.time.Duration> unanswered = TransportFaults.unanswered(verdict, cfg.faults());
    if (unanswered.isPresent()) {
      responder.closeUnansweredLater(exchange, unanswered.get());
      return;
    }
    TextFaults.Kind textFault =
        textFaults
            .choose(model, request.prompt(), cfg.seed(), cfg.gemini().altTextFaultRate())
            .orElse(null);
    responder.sendLater(
        exchange,
        VisionAnswers.latency(verdict),
        () ->
            VisionAnswers.render(
                    model, request, verdict, textFault, cfg.gemini().retryAfterHeader())
                .withHeader(
                    "x-sim-outcome", textFault == null ? verdict.outcome() : textFault.name())
                .withHeader("x-sim-latency-ms", Long.toString(verdict.latency().toMillis())));
  }

  private Optional<GeminiModel> resolve(String requested, AliasMode mode) {
    Optional<GeminiModel> exact = registry.gemini(requested);
    if (exact.isPresent()) {
      return exact;
    }
    return mode == AliasMode.REMAP ? registry.geminiAlias(requested) : Optional.empty();
  }

  /** {@code alt=sse}: one {@code data:} event carrying the whole response. */
  private static HttpReply asSse(HttpReply reply) {
    return wrapped(reply, "text/event-stream", "data: ", "\r\n\r\n");
  }

  /** Without {@code alt=sse} the stream endpoint answers a JSON array of chunks. */
  private static HttpReply asJsonArray(HttpReply reply) {
    return wrapped(reply, HttpReply.JSON, "[", "]");
  }

  private static HttpReply wrapped(HttpReply reply, String type, String before, String after) {
    java.util.List<byte[]> segments = new java.util.ArrayList<>();
    segments.add(before.getBytes(StandardCharsets.UTF_8));
    segments.addAll(reply.segments());
    segments.add(after.getBytes(StandardCharsets.UTF_8));
    return new HttpReply(200, type, segments, reply.headers());
  }
}
