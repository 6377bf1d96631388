package io.catalogimage.simulator.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimulatorClock;
import io.catalogimage.simulator.StatsSnapshot;
import io.catalogimage.simulator.config.ConfigDocument;
import io.catalogimage.simulator.config.ConfigLoader;
import io.catalogimage.simulator.config.Durations;
import io.catalogimage.simulator.http.Exchanges;
import io.catalogimage.simulator.http.HttpReply;
import io.catalogimage.simulator.http.Json;
import io.catalogimage.simulator.http.Responder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Operator endpoints: {@code GET /healthz}, {@code GET /sim/stats}, {@code POST /sim/stats/reset},
 * {@code GET|PUT /sim/clock}, {@code GET|PUT /sim/config}, {@code POST /sim/reset}.
 */
public final class AdminHandler implements HttpHandler {
  private final ProviderSimulator simulator;
  private final Responder responder;

  public AdminHandler(ProviderSimulator simulator, Responder responder) {
    this.simulator = simulator;
    this.responder = responder;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String route = exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
    HttpReply reply;
    try {
      reply =
          switch (route) {
            case "GET /healthz" -> HttpReply.json(200, Json.object().put("status", "ok"));
            case "GET /sim/stats" -> HttpReply.json(200, withShapes(stats(simulator.stats())));
            case "POST /sim/stats/reset" -> {
              simulator.resetStats();
              yield HttpReply.json(200, stats(simulator.stats()));
            }
            case "POST /sim/reset" -> {
              simulator.resetState();
              yield HttpReply.json(200, Json.object().put("reset", true));
            }
            case "GET /sim/clock" -> HttpReply.json(200, clock(simulator.clock()));
            case "PUT /sim/clock", "POST /sim/clock" -> setClock(Exchanges.body(exchange));
            case "GET /sim/config" ->
                HttpReply.json(200, ConfigDocument.toTree(simulator.config()));
            case "PUT /sim/config", "POST /sim/config" -> setConfig(Exchanges.body(exchange));
            default -> problem(404, "no such endpoint: " + route);
          };
    } catch (IllegalArgumentException | DateTimeException | JacksonException e) {
      reply = problem(400, e.getMessage());
    }
    responder.send(exchange, reply);
  }

  private HttpReply setClock(byte[] body) {
    JsonNode req = Json.parse(body);
    SimulatorClock clock = simulator.clock();
    if (req.hasNonNull("fixed")) {
      clock.fixAt(Instant.parse(req.get("fixed").asString()));
    } else if (req.hasNonNull("offset")) {
      clock.offsetBy(Durations.parse(req.get("offset").asString()));
    } else if (req.path("system").asBoolean(false)) {
      clock.useSystemTime();
    } else {
      throw new IllegalArgumentException(
          "body must be {\"offset\": \"PT2H\"}, {\"fixed\": \"2026-11-23T11:00:00Z\"} or"
              + " {\"system\": true}");
    }
    return HttpReply.json(200, clock(clock));
  }

  /** The body is a partial config document (YAML or JSON); {@code port} is ignored. */
  private HttpReply setConfig(byte[] body) {
    try {
      simulator.reconfigure(
          ConfigLoader.fromYaml(new String(body, StandardCharsets.UTF_8), simulator.config()));
    } catch (ConfigLoader.ConfigException e) {
      return problem(400, e.getMessage());
    }
    return HttpReply.json(200, ConfigDocument.toTree(simulator.config()));
  }

  /** The hidden quota shapes' current per-minute quotas, next to the counts. */
  private ObjectNode withShapes(ObjectNode stats) {
    ObjectNode shapes = stats.putObject("hiddenQuotas");
    simulator
        .config()
        .quotas()
        .shapes()
        .forEach(
            (model, shape) ->
                shapes
                    .putObject(model)
                    .put("shape", shape.toString())
                    .put("rpmNow", simulator.hiddenQuota(model).orElse(0)));
    return stats;
  }

  private ObjectNode clock(SimulatorClock clock) {
    ObjectNode n = Json.object();
    n.put("now", clock.now().toString());
    n.put("mode", clock.mode());
    n.put("offset", clock.offset().toString());
    if (clock.fixedAt() == null) {
      n.putNull("fixed");
    } else {
      n.put("fixed", clock.fixedAt().toString());
    }
    n.put("inPeak", simulator.config().peak().inPeak(clock.now()));
    return n;
  }

  static ObjectNode stats(StatsSnapshot s) {
    ObjectNode root = Json.object();
    root.put("now", s.now().toString());
    root.set("totals", counters(s.totals()));
    ObjectNode models = root.putObject("models");
    s.models().forEach((k, v) -> models.set(k, counters(v)));
    ObjectNode projects = root.putObject("projects");
    s.projects().forEach((k, v) -> projects.set(k, counters(v)));
    return root;
  }

  private static ObjectNode counters(StatsSnapshot.Counters c) {
    ObjectNode n = Json.object();
    n.put("calls", c.calls());
    n.put("accepted", c.accepted());
    n.put("rateLimited", c.rateLimited());
    n.put("quotaLimited", c.quotaLimited());
    n.put("injectedLimited", c.injectedLimited());
    ObjectNode outcomes = n.putObject("outcomes");
    for (Map.Entry<String, Long> e : c.outcomes().entrySet()) {
      outcomes.put(e.getKey(), e.getValue());
    }
    n.put("maxCallsIn60s", c.maxCallsIn60s());
    n.put("maxAcceptedIn60s", c.maxAcceptedIn60s());
    return n;
  }

  private static HttpReply problem(int status, String message) {
    return HttpReply.json(
        status, Json.object().put("status", status).put("error", String.valueOf(message)));
  }
}
