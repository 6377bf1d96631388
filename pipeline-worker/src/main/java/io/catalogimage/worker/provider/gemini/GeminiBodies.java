package io.catalogimage.worker.provider.gemini;

import io.catalogimage.common.model.ImageModel;
import io.catalogimage.worker.provider.CaptionRequest;
import io.catalogimage.worker.provider.GenerationRequest;
import java.util.Base64;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Builds {@code generateContent} request bodies (reference §1.2). */
final class GeminiBodies {

  private GeminiBodies() {}

  /** A text-only answer about one inline image (the captioning step). */
  static byte[] describe(JsonMapper json, CaptionRequest req) {
    ObjectNode body = json.createObjectNode();
    ObjectNode content = body.putArray("contents").addObject();
    content.put("role", "user");
    ArrayNode parts = content.putArray("parts");
    parts.addObject().put("text", req.prompt());
    ObjectNode inline = parts.addObject().putObject("inlineData");
    inline.put("mimeType", req.mimeType() == null ? "image/png" : req.mimeType());
    inline.put("data", Base64.getEncoder().encodeToString(req.image()));
    ObjectNode config = body.putObject("generationConfig");
    config.putArray("responseModalities").add("TEXT");
    config.put("responseMimeType", "application/json");
    return json.writeValueAsBytes(body);
  }

  static byte[] generateContent(JsonMapper json, GenerationRequest req, ImageModel model) {
    ObjectNode body = json.createObjectNode();
    ObjectNode content = body.putArray("contents").addObject();
    content.put("role", "user");
    ArrayNode parts = content.putArray("parts");
    parts.addObject().put("text", req.prompt());
    for (GenerationRequest.ReferenceImage ref : req.references()) {
      ObjectNode inline = parts.addObject().putObject("inlineData");
      inline.put("mimeType", ref.mimeType());
      inline.put("data", Base64.getEncoder().encodeToString(ref.bytes()));
    }
    ObjectNode config = body.putObject("generationConfig");
    ArrayNode modalities = config.putArray("responseModalities");
    if (!req.altTextLocales().isEmpty()) {
      modalities.add("TEXT");
    }
    modalities.add("IMAGE");
    ObjectNode imageConfig = config.putObject("imageConfig");
    imageConfig.put("aspectRatio", req.aspectRatio());
    // a model with one size (2.5 Flash: 1K) takes no imageSize; sending it is unverified
    if (model.sizes().size() > 1) {
      imageConfig.put("imageSize", req.size());
    }
    return json.writeValueAsBytes(body);
  }
}
