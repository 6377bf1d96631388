package io.catalogimage.worker.provider.gemini;

import io.catalogimage.common.model.ImageModel;
import io.catalogimage.worker.provider.CaptionRequest;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ModelPart;
import io.catalogimage.worker.provider.PriorTurn;
import io.catalogimage.worker.provider.SplicedBody;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Builds {@code generateContent} request bodies (reference §1.2). */
final class GeminiBodies {

  private GeminiBodies() {}

  /**
   * A text-only answer about one inline image (the captioning step): the image is spliced in as
   * base64 while the body is sent, read from where it is held (the spool), never encoded into the
   * JSON tree.
   */
  static SplicedBody describe(JsonMapper json, CaptionRequest req) {
    SplicedBody spliced = new SplicedBody();
    ObjectNode body = json.createObjectNode();
    ObjectNode content = body.putArray("contents").addObject();
    content.put("role", "user");
    ArrayNode parts = content.putArray("parts");
    parts.addObject().put("text", req.prompt());
    inline(parts.addObject(), req.mimeTypeOrPng(), spliced.base64(req.image()));
    ObjectNode config = body.putObject("generationConfig");
    config.putArray("responseModalities").add("TEXT");
    config.put("responseMimeType", "application/json");
    return spliced.around(json.writeValueAsBytes(body));
  }

  /**
   * The body, with every image (reference photos, the replayed conversation's images) spliced in as
   * base64 while it is sent rather than encoded into the JSON tree.
   */
  static SplicedBody generateContent(JsonMapper json, GenerationRequest req, ImageModel model) {
    SplicedBody spliced = new SplicedBody();
    ObjectNode body = json.createObjectNode();
    ArrayNode contents = body.putArray("contents");
    // an edit replays the conversation: each earlier model turn's non-thought parts exactly as
    // received, thoughtSignature included, in order (reference §4, the echo rule)
    for (PriorTurn turn : req.history()) {
      userTurn(spliced, contents, turn.userText(), turn.userImages());
      ObjectNode answer = contents.addObject();
      answer.put("role", "model");
      ArrayNode parts = answer.putArray("parts");
      for (ModelPart p : turn.model()) {
        ObjectNode part = parts.addObject();
        if (p.isImage()) {
          inline(part, p.mimeType(), spliced.base64(p.source()));
        } else {
          part.put("text", p.text());
        }
        if (p.thoughtSignature() != null) {
          part.put("thoughtSignature", p.thoughtSignature());
        }
      }
    }
    userTurn(spliced, contents, req.prompt(), req.references());
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
    // the batch's settings, validated against every model of its tier at intake
    var settings = req.settings();
    if (settings.thinkingLevel() != null || settings.includeThoughts() != null) {
      ObjectNode thinking = config.putObject("thinkingConfig");
      if (settings.thinkingLevel() != null) {
        thinking.put("thinkingLevel", settings.thinkingLevel());
      }
      if (settings.includeThoughts() != null) {
        thinking.put("includeThoughts", settings.includeThoughts());
      }
    }
    if (Boolean.TRUE.equals(settings.googleSearch())) {
      body.putArray("tools").addObject().putObject("google_search");
    }
    return spliced.around(json.writeValueAsBytes(body));
  }

  private static void userTurn(
      SplicedBody spliced,
      ArrayNode contents,
      String text,
      java.util.List<GenerationRequest.ReferenceImage> images) {
    ObjectNode content = contents.addObject();
    content.put("role", "user");
    ArrayNode parts = content.putArray("parts");
    parts.addObject().put("text", text);
    for (GenerationRequest.ReferenceImage ref : images) {
      inline(parts.addObject(), ref.mimeType(), spliced.base64(ref.source()));
    }
  }

  /** An inline image part whose data is a placeholder the body splices the base64 into. */
  private static void inline(ObjectNode part, String mimeType, String placeholder) {
    ObjectNode inline = part.putObject("inlineData");
    inline.put("mimeType", mimeType);
    inline.put("data", placeholder);
  }
}
