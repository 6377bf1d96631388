package io.catalogimage.simulator.openai;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.engine.Call;
import io.catalogimage.simulator.engine.Engine;
import io.catalogimage.simulator.engine.Verdict;
import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.fault.TransportFaults;
import io.catalogimage.simulator.gemini.TextFaults;
import io.catalogimage.simulator.http.Exchanges;
import io.catalogimage.simulator.http.HttpReply;
import io.catalogimage.simulator.http.Responder;
import io.catalogimage.simulator.models.ModelRegistry;
import io.catalogimage.simulator.models.OpenAiModel;
import io.catalogimage.simulator.png.ImageFactory;
import io.catalogimage.simulator.stats.StatsRecorder;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code POST /v1/images/generations} and {@code POST /v1/images/edits}, OpenAI's Images API for
 * GPT image models; {@code POST /v1/chat/completions} for the vision models; {@code GET
 * /v1/models/{model}}. Every response carries {@code x-request-id}.
 */
public final class OpenAiHandler implements HttpHandler {
  private static final String GENERATIONS = "/v1/images/generations";
  private static final String EDITS = "/v1/images/edits";
  private static final String CHAT = "/v1/chat/completions";
  private static final String MODELS = "/v1/models/";

  private final TextFaults textFaults = new TextFaults();

  private final Engine engine;
  private final Responder responder;
  private final ModelRegistry registry;
  private final OpenAiResponses responses;

  public OpenAiHandler(
      Engine engine, Responder responder, ModelRegistry registry, ImageFactory images) {
    this.engine = engine;
    this.responder = responder;
    this.registry = registry;
    this.responses = new OpenAiResponses(images);
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String requestId = "req_" + HexFormat.of().formatHex(randomBytes());
    String path = exchange.getRequestURI().getPath();
    boolean edit = path.equals(EDITS);
    boolean chat = path.equals(CHAT);
    if (path.startsWith(MODELS) && exchange.getRequestMethod().equals("GET")) {
      retrieveModel(exchange, requestId, path.substring(MODELS.length()));
      return;
    }
    if (!(edit || chat || path.equals(GENERATIONS))
        || !exchange.getRequestMethod().equals("POST")) {
      reply(
          exchange,
          requestId,
          new OpenAiError(
                  404,
                  "Invalid URL (%s %s)".formatted(exchange.getRequestMethod(), path),
                  "invalid_request_error",
                  null,
                  null)
              .reply());
      return;
    }
    SimulatorConfig cfg = engine.config();
    byte[] body;
    try {
      body = Exchanges.body(exchange);
    } catch (Exchanges.BodyTooLargeException e) {
      reply(
          exchange,
          requestId,
          new OpenAiError(413, e.getMessage(), "invalid_request_error", null, null).reply());
      return;
    }

    String project = authenticate(exchange, requestId, cfg);
    if (project == null) {
      return;
    }
    if (chat) {
      chat(exchange, requestId, project, body, cfg);
      return;
    }
    OpenAiRequest request;
    OpenAiModel model;
    String modelId = null;
    try {
      OpenAiRequestParser.Fields fields =
          OpenAiRequestParser.read(
              edit, Exchanges.header(exchange, "Content-Type"), body, engine.receivedImages());
      modelId = OpenAiRequestParser.model(edit, fields);
      Optional<OpenAiModel> known = registry.openai(modelId);
      if (known.isEmpty()) {
        engine.recordRequestError(modelId, project, StatsRecorder.NOT_FOUND);
        reply(
            exchange,
            requestId,
            new OpenAiError(
                    404,
                    "The model `%s` does not exist or you do not have access to it."
                        .formatted(modelId),
                    "invalid_request_error",
                    null,
                    "model_not_found")
                .reply());
        return;
      }
      model = known.get();
      request = OpenAiRequestParser.parse(edit, modelId, fields);
    } catch (OpenAiError e) {
      engine.recordRequestError(modelId, project, StatsRecorder.INVALID_ARGUMENT);
      reply(exchange, requestId, e.reply());
      return;
    }

    Verdict verdict =
        engine.decide(
            new Call(
                FaultKind.Protocol.OPENAI,
                project,
                model.id(),
                model.id(),
                request.prompt(),
                request.n(),
                request.size()));
    java.util.Optional<java.time.Duration> unanswered =
        TransportFaults.unanswered(verdict, engine.config().faults());
    if (unanswered.isPresent()) {
      responder.closeUnansweredLater(exchange, unanswered.get());
      return;
    }
    OpenAiResponses.Context ctx =
        new OpenAiResponses.Context(
            model, request, project, requestId, engine.clock().now().getEpochSecond());
    responder.sendLater(
        exchange,
        verdict.latency(),
        () ->
            RateLimitHeaders.add(responses.render(ctx, verdict), verdict.window())
                .withHeader("x-request-id", requestId)
                .withHeader("openai-processing-ms", Long.toString(verdict.latency().toMillis()))
                .withHeader("openai-version", "2020-10-01")
                .withHeader("x-sim-outcome", verdict.outcome())
                .withHeader("x-sim-latency-ms", Long.toString(verdict.latency().toMillis())));
  }

  /** A vision model's chat completion about an inline image (see {@link ChatCompletions}). */
  private void chat(
      HttpExchange exchange, String requestId, String project, byte[] body, SimulatorConfig cfg) {
    ChatCompletions.Request request;
    try {
      request = ChatCompletions.parse(body, engine.receivedImages());
      if (!ChatCompletions.MODELS.contains(request.model())) {
        engine.recordRequestError(request.model(), project, StatsRecorder.NOT_FOUND);
        reply(
            exchange,
            requestId,
            new OpenAiError(
                    404,
                    "The model `%s` does not exist or you do not have access to it."
                        .formatted(request.model()),
                    "invalid_request_error",
                    null,
                    "model_not_found")
                .reply());
        return;
      }
      if (request.images() == 0) {
        throw new OpenAiError(
            400,
            "the simulator's vision models describe an image: send it as an image_url part"
                + " with a data: URL",
            "invalid_request_error",
            "messages",
            null);
      }
    } catch (OpenAiError e) {
      engine.recordRequestError(null, project, StatsRecorder.INVALID_ARGUMENT);
      reply(exchange, requestId, e.reply());
      return;
    }
    Verdict verdict =
        engine.decide(
            new Call(
                FaultKind.Protocol.OPENAI,
                project,
                request.model(),
                request.model(),
                request.prompt(),
                0,
                "1024x1024"));
    java.util.Optional<java.time.Duration> unanswered =
        TransportFaults.unanswered(verdict, cfg.faults());
    if (unanswered.isPresent()) {
      responder.closeUnansweredLater(exchange, unanswered.get());
      return;
    }
    TextFaults.Kind textFault =
        textFaults
            .choose(request.model(), request.prompt(), cfg.seed(), cfg.gemini().altTextFaultRate())
            .orElse(null);
    long created = engine.clock().now().getEpochSecond();
    responder.sendLater(
        exchange,
        verdict.latency().dividedBy(5),
        () ->
            RateLimitHeaders.add(
                    ChatCompletions.render(request, project, verdict, textFault, created),
                    verdict.window())
                .withHeader("x-request-id", requestId)
                .withHeader(
                    "x-sim-outcome", textFault == null ? verdict.outcome() : textFault.name())
                .withHeader("x-sim-latency-ms", Long.toString(verdict.latency().toMillis())));
  }

  /**
   * {@code GET /v1/models/{model}}: the model object, or the same 401 as a generation call for a
   * bad key. Free, so only a refused key is counted in the stats (as any refused call is).
   */
  private void retrieveModel(HttpExchange exchange, String requestId, String model) {
    if (authenticate(exchange, requestId, engine.config()) == null) {
      return;
    }
    if (registry.openai(model).isEmpty() && !ChatCompletions.MODELS.contains(model)) {
      reply(
          exchange,
          requestId,
          new OpenAiError(
                  404,
                  "The model '%s' does not exist".formatted(model),
                  "invalid_request_error",
                  "model",
                  "model_not_found")
              .reply());
      return;
    }
    tools.jackson.databind.node.ObjectNode body = io.catalogimage.simulator.http.Json.object();
    body.put("id", model);
    body.put("object", "model");
    body.put("created", 1745517030L);
    body.put("owned_by", "system");
    reply(exchange, requestId, HttpReply.json(200, body));
  }

  /** The caller's project, or null after answering 401. */
  private String authenticate(HttpExchange exchange, String requestId, SimulatorConfig cfg) {
    String auth = Exchanges.header(exchange, "Authorization");
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || auth.length() <= 7) {
      engine.recordRequestError(null, null, StatsRecorder.UNAUTHENTICATED);
      reply(
          exchange,
          requestId,
          new OpenAiError(
                  401,
                  "You didn't provide an API key. You need to provide your API key in an"
                      + " Authorization header using Bearer auth (i.e. Authorization: Bearer"
                      + " YOUR_KEY), or as the password field (with blank username) if you're"
                      + " accessing the API from your browser and are prompted for a username and"
                      + " password. You can obtain an API key from"
                      + " https://platform.openai.com/account/api-keys.",
                  "invalid_request_error",
                  null,
                  null)
              .reply());
      return null;
    }
    String key = auth.substring(7).trim();
    String project = cfg.apiKeys().get(key);
    if (project == null) {
      engine.recordRequestError(null, null, StatsRecorder.UNAUTHENTICATED);
      reply(
          exchange,
          requestId,
          new OpenAiError(
                  401,
                  "Incorrect API key provided: "
                      + mask(key)
                      + ". You can find your API key at https://platform.openai.com/account/api-keys.",
                  "invalid_request_error",
                  null,
                  "invalid_api_key")
              .reply());
    }
    return project;
  }

  private void reply(HttpExchange exchange, String requestId, HttpReply reply) {
    responder.send(exchange, reply.withHeader("x-request-id", requestId));
  }

  /** OpenAI shows the first and last few characters of a wrong key. */
  static String mask(String key) {
    if (key.length() <= 8) {
      return "*".repeat(key.length());
    }
    return key.substring(0, 3) + "*".repeat(key.length() - 7) + key.substring(key.length() - 4);
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[16];
    ThreadLocalRandom.current().nextBytes(b);
    return b;
  }
}
