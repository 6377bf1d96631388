package io.catalogimage.simulator.gemini;

import io.catalogimage.simulator.http.HttpReply;
import io.catalogimage.simulator.http.Json;
import io.catalogimage.simulator.models.GeminiModel;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1beta/models/{model}} (models.get): the Model resource, free and unbilled, which is
 * what a client calls to learn at start-up that its key is accepted and its model id exists.
 */
final class GeminiModels {

  private GeminiModels() {}

  /** An image model's resource, named as asked (a gateway's alias keeps its own name). */
  static HttpReply imageModel(String requested, GeminiModel model) {
    ObjectNode root = resource(requested, model.id(), 32768, 32768);
    ArrayNode methods = root.putArray("supportedGenerationMethods");
    methods.add("generateContent");
    methods.add("countTokens");
    methods.add("batchGenerateContent");
    return HttpReply.json(200, sampling(root, model.thinking()));
  }

  /** A vision text model's resource (the captioning step's models). */
  static HttpReply textModel(String model) {
    ObjectNode root = resource(model, model, 1048576, 65536);
    ArrayNode methods = root.putArray("supportedGenerationMethods");
    methods.add("generateContent");
    methods.add("countTokens");
    methods.add("createCachedContent");
    methods.add("batchGenerateContent");
    return HttpReply.json(200, sampling(root, true));
  }

  /** The sampling defaults a Model resource states (the simulator gives every model the same). */
  private static ObjectNode sampling(ObjectNode root, boolean thinking) {
    root.put("temperature", 1.0);
    root.put("topP", 0.95);
    root.put("topK", 64);
    root.put("maxTemperature", 2.0);
    root.put("thinking", thinking);
    return root;
  }

  private static ObjectNode resource(String name, String base, int input, int output) {
    ObjectNode root = Json.object();
    root.put("name", "models/" + name);
    root.put("version", "001");
    root.put("displayName", base);
    root.put("description", base + " (provider simulator)");
    root.put("inputTokenLimit", input);
    root.put("outputTokenLimit", output);
    return root;
  }
}
