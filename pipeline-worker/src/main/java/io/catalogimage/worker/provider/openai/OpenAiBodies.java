package io.catalogimage.worker.provider.openai;

import io.catalogimage.common.model.ImageModel;
import io.catalogimage.worker.provider.CaptionRequest;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.SplicedBody;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Request bodies of the OpenAI Images API (reference §5): JSON for {@code /images/generations},
 * multipart for {@code /images/edits} (reference photos, or the image an edit corrects). Gemini
 * models behind an OpenAI-compatible gateway get the gateway convention (reference §6): {@code
 * size} carries the aspect ratio and {@code quality: high} asks for 2K.
 */
final class OpenAiBodies {

  private OpenAiBodies() {}

  /** The fields both endpoints share, in the order they are written. */
  static Map<String, String> fields(
      GenerationRequest req, ImageModel model, String wireModel, String quality) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("model", wireModel);
    fields.put("prompt", req.prompt());
    fields.put("n", "1");
    if (model.family().equals("openai")) {
      var settings = req.settings();
      fields.put("size", req.expected() == null ? "auto" : req.expected().toString());
      fields.put("quality", settings.quality() != null ? settings.quality() : quality);
      fields.put(
          "output_format", settings.outputFormat() != null ? settings.outputFormat() : "png");
    } else {
      fields.put("size", req.aspectRatio());
      fields.put(
          "quality", req.size().equals("512") || req.size().equals("1K") ? "standard" : "high");
    }
    return fields;
  }

  static byte[] generationsJson(JsonMapper json, Map<String, String> fields) {
    ObjectNode body = json.createObjectNode();
    fields.forEach(
        (k, v) -> {
          if (k.equals("n")) {
            body.put(k, Integer.parseInt(v));
          } else {
            body.put(k, v);
          }
        });
    return json.writeValueAsBytes(body);
  }

  /**
   * A multipart/form-data body: the boundary, and the body with each image's bytes spliced in raw
   * from where it is held while it is sent.
   */
  record Multipart(String boundary, SplicedBody body) {
    String contentType() {
      return "multipart/form-data; boundary=" + boundary;
    }
  }

  static Multipart editsMultipart(Map<String, String> fields, GenerationRequest req) {
    String boundary = "----catalog" + UUID.randomUUID().toString().replace("-", "");
    SplicedBody spliced = new SplicedBody();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    fields.forEach(
        (k, v) -> {
          write(out, "--" + boundary + "\r\n");
          write(out, "Content-Disposition: form-data; name=\"" + k + "\"\r\n\r\n");
          write(out, v + "\r\n");
        });
    int i = 0;
    for (Image ref : images(req)) {
      String extension = ref.mimeType().substring(ref.mimeType().indexOf('/') + 1);
      write(out, "--" + boundary + "\r\n");
      write(
          out,
          "Content-Disposition: form-data; name=\"image[]\"; filename=\"reference-"
              + i++
              + "."
              + extension
              + "\"\r\n");
      write(out, "Content-Type: " + ref.mimeType() + "\r\n\r\n");
      write(out, spliced.raw(ref.source()));
      write(out, "\r\n");
    }
    write(out, "--" + boundary + "--\r\n");
    return new Multipart(boundary, spliced.around(out.toByteArray()));
  }

  /**
   * The images an edits call sends: the reference photos of a generation; for an edit, the image
   * being edited. OpenAI's images API keeps no conversation and has no thought signatures: the
   * image is the whole history (reference §5.2), so a Gemini model behind an OpenAI-shaped gateway
   * is edited the same way.
   */
  static java.util.List<Image> images(GenerationRequest req) {
    if (!req.isEdit()) {
      return req.references().stream().map(r -> new Image(r.mimeType(), r.source())).toList();
    }
    var last = req.history().get(req.history().size() - 1).lastImage();
    return java.util.List.of(new Image(last.mimeType(), last.source()));
  }

  /** An image a multipart body carries, spliced in from where it is held. */
  record Image(String mimeType, SplicedBody.Source source) {}

  /**
   * {@code POST /v1/chat/completions} for a caption: the prompt and the image as a {@code data:}
   * URL whose base64 is spliced in while the body is sent (the placeholder stands inside the JSON
   * string, after the URL's prefix), read from where the image is held.
   */
  static SplicedBody chatCompletion(JsonMapper json, String wireModel, CaptionRequest req) {
    SplicedBody spliced = new SplicedBody();
    ObjectNode body = json.createObjectNode();
    body.put("model", wireModel);
    ObjectNode message = body.putArray("messages").addObject();
    message.put("role", "user");
    ArrayNode content = message.putArray("content");
    content.addObject().put("type", "text").put("text", req.prompt());
    content
        .addObject()
        .put("type", "image_url")
        .putObject("image_url")
        .put("url", "data:" + req.mimeTypeOrPng() + ";base64," + spliced.base64(req.image()));
    body.putObject("response_format").put("type", "json_object");
    return spliced.around(json.writeValueAsBytes(body));
  }

  private static void write(ByteArrayOutputStream out, String text) {
    out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
  }
}
