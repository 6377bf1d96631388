package io.catalogimage.simulator.gemini;

import io.catalogimage.simulator.config.GeminiSettings;
import io.catalogimage.simulator.engine.Verdict;
import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.fault.Hashing;
import io.catalogimage.simulator.http.HttpReply;
import io.catalogimage.simulator.http.Json;
import io.catalogimage.simulator.models.Dimensions;
import io.catalogimage.simulator.models.GeminiModel;
import io.catalogimage.simulator.models.ModelRegistry;
import io.catalogimage.simulator.png.ImageFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Renders a verdict as a GenerateContentResponse (reference §1.5, §1.6): a success with real PNG
 * bytes, one of the HTTP 200 block shapes, or an error status.
 */
final class GeminiResponses {
  private final ImageFactory images;
  private final ModelRegistry registry;
  private final ThoughtSignatures signatures;

  GeminiResponses(ImageFactory images, ModelRegistry registry, ThoughtSignatures signatures) {
    this.images = images;
    this.registry = registry;
    this.signatures = signatures;
  }

  /** Everything a response depends on besides the verdict. */
  record Context(
      GeminiModel model,
      GeminiRequest request,
      long seed,
      GeminiSettings settings,
      TextFaults.Kind textFault) {
    Context(GeminiModel model, GeminiRequest request, long seed, GeminiSettings settings) {
      this(model, request, seed, settings, null);
    }
  }

  HttpReply render(Context ctx, Verdict verdict) {
    FaultKind fault = verdict.fault();
    if (fault == null) {
      return success(ctx, verdict, ctx.model(), ctx.request().imageSize(), false);
    }
    return switch (fault) {
      case HTTP_500 -> GeminiErrors.internal();
      case HTTP_503 -> GeminiErrors.overloaded();
      case HTTP_504 -> GeminiErrors.deadlineExceeded();
      case RATE_LIMITED, DAILY_QUOTA, LIMIT_ZERO, RATE_LIMITED_NO_HINT ->
          GeminiErrors.quota(
              verdict.violation(), ctx.model().id(), ctx.settings().retryAfterHeader());
      case HANG, CONNECTION_RESET ->
          throw new IllegalStateException(fault + " is never answered (TransportFaults)");
      case PROMPT_BLOCKED -> GeminiBlocks.promptBlocked(ctx, verdict);
      case TEXT_ONLY_REFUSAL -> GeminiBlocks.refusal(ctx);
      case MODEL_VERSION_MISMATCH ->
          success(ctx, verdict, downgrade(ctx), GeminiModel.DEFAULT_SIZE, false);
      case SIZE_IGNORED -> success(ctx, verdict, ctx.model(), GeminiModel.DEFAULT_SIZE, false);
      case TWO_FINAL_IMAGES -> success(ctx, verdict, ctx.model(), ctx.request().imageSize(), true);
      case INSUFFICIENT_QUOTA ->
          success(ctx, verdict, ctx.model(), ctx.request().imageSize(), false);
      default -> GeminiBlocks.blocked(ctx, verdict, fault);
    };
  }

  private HttpReply success(
      Context ctx, Verdict verdict, GeminiModel served, String size, boolean twoImages) {
    GeminiRequest req = ctx.request();
    String responseId = ResponseIds.responseId();
    String subject = Captions.subject(req.prompt());
    String ratio = served.aspectRatios().contains(req.aspectRatio()) ? req.aspectRatio() : "1:1";
    String servedSize = served.sizes().containsKey(size) ? size : GeminiModel.DEFAULT_SIZE;
    // a later turn (an edit) is coloured by the whole conversation: visibly not the image before
    long palette = req.turns() > 1 ? Hashing.of(req.conversation()) : Hashing.of(subject);

    ObjectNode root = Json.object();
    ArrayNode parts = Json.array();
    List<String> finalImages = new ArrayList<>();
    Map<String, byte[]> blobs = new HashMap<>();
    int imageTokens = 0;
    if (req.wantImage()) {
      if (twoImages) {
        finalImages.add(pngBase64(served, GeminiModel.DEFAULT_SIZE, ratio, palette, blobs));
        imageTokens += served.imageTokens(GeminiModel.DEFAULT_SIZE);
      }
      finalImages.add(pngBase64(served, servedSize, ratio, palette, blobs));
      // A silent downgrade still bills what was asked for: the caller cannot tell from usage.
      imageTokens += served.imageTokens(served == ctx.model() ? req.imageSize() : servedSize);
    }
    if (served.thinking() && req.includeThoughts()) {
      ObjectNode thought = parts.addObject();
      thought.put(
          "text",
          "**Composing the product shot**\n\nI'm planning a clean studio composition for "
              + subject
              + ", centred, with soft light and a neutral background.");
      thought.put("thought", true);
      if (!finalImages.isEmpty()) {
        // "The last image within Thinking is also the final rendered image."
        ObjectNode interim = parts.addObject();
        inlinePng(interim, finalImages.get(finalImages.size() - 1));
        interim.put("thought", true);
      }
    }
    int textTokens = 0;
    if (req.wantText()) {
      String text = Captions.textPart(req.prompt(), ctx.textFault());
      textTokens = GeminiRequest.tokens(text);
      ObjectNode part = parts.addObject();
      part.put("text", text);
      signatures.sign(part, served, ctx.seed());
    }
    for (String b64 : finalImages) {
      ObjectNode part = parts.addObject();
      inlinePng(part, b64);
      // the signature covers the base64 the client receives, not the placeholder in the tree
      signatures.signImage(
          part, "image/png", blobs.getOrDefault(b64, ascii(b64)), served, ctx.seed());
    }
    ObjectNode candidate = root.putArray("candidates").addObject();
    ObjectNode content = candidate.putObject("content");
    content.put("role", "model");
    content.set("parts", parts);
    candidate.put("finishReason", "STOP");
    candidate.put("index", 0);
    GeminiUsage.write(root, req, served, imageTokens, textTokens, served.thinking());
    root.put("modelVersion", served.id());
    root.put("responseId", responseId);
    return HttpReply.jsonWithBlobs(200, root, blobs);
  }

  private GeminiModel downgrade(Context ctx) {
    GeminiModel target = registry.gemini(ctx.settings().downgradeModel()).orElse(null);
    if (target == null || target.id().equals(ctx.model().id())) {
      target =
          registry.geminiModels().stream()
              .filter(m -> !m.id().equals(ctx.model().id()))
              .findFirst()
              .orElse(ctx.model());
    }
    return target;
  }

  /**
   * A placeholder for the image's base64 text, which {@link HttpReply#jsonWithBlobs} splices into
   * the body: a 30 MB image never goes through the JSON tree.
   */
  private String pngBase64(
      GeminiModel model, String size, String ratio, long palette, Map<String, byte[]> blobs) {
    Dimensions d = model.dimensions(size, ratio).orElseThrow();
    String placeholder = "@@sim-image-" + blobs.size() + "@@";
    blobs.put(placeholder, images.pngBase64(d, palette));
    return placeholder;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static void inlinePng(ObjectNode part, String base64) {
    ObjectNode inline = part.putObject("inlineData");
    inline.put("mimeType", "image/png");
    inline.put("data", base64);
  }
}
