package io.catalogimage.worker.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.json.Json;
import io.catalogimage.worker.provider.CaptionRequest;
import io.catalogimage.worker.provider.SplicedBody;
import io.catalogimage.worker.result.ResultSpool;
import io.catalogimage.worker.result.TestSpools;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The body of an OpenAI-compatible caption call ({@code /v1/chat/completions}, the image as a
 * {@code data:} URL): the URL's base64 is spliced in from the spool while the body is sent, so the
 * URL decodes to the image byte for byte, the body declares its exact length and can be sent again,
 * and sending it never allocates the image's size.
 */
class OpenAiCaptionBodyTest {

  private static final int IMAGE_BYTES = 6 * 1024 * 1024 + 1; // not a multiple of 3

  @TempDir Path spoolDir;

  /** Per-image memory limit 1 MB: the image is in a spool file. */
  private ResultSpool.Held spooledImage(int size, long seed) {
    return TestSpools.randomJpeg(TestSpools.realSizeToDisk(spoolDir), size, seed);
  }

  private static CaptionRequest request(ResultSpool.Held image) {
    return new CaptionRequest(
        "gpt-4.1-mini",
        "Describe the walnut desk organiser",
        SplicedBody.Source.of(image),
        "image/jpeg",
        null);
  }

  @Test
  void the_chat_completion_body_carries_the_spooled_image_as_a_data_url_byte_for_byte()
      throws Exception {
    ResultSpool.Held image = spooledImage(IMAGE_BYTES, 1);
    assertThat(image.onDisk()).isTrue();

    SplicedBody body = OpenAiBodies.chatCompletion(Json.mapper(), "wire-vision", request(image));
    byte[] sent = body.toBytes();

    assertThat(sent).hasSize((int) body.length());
    JsonNode root = Json.mapper().readTree(sent);
    assertThat(root.path("model").asString()).isEqualTo("wire-vision");
    assertThat(root.path("response_format").path("type").asString()).isEqualTo("json_object");
    JsonNode message = root.path("messages").get(0);
    assertThat(message.path("role").asString()).isEqualTo("user");
    JsonNode content = message.path("content");
    assertThat(content.get(0).path("type").asString()).isEqualTo("text");
    assertThat(content.get(0).path("text").asString())
        .isEqualTo("Describe the walnut desk organiser");
    assertThat(content.get(1).path("type").asString()).isEqualTo("image_url");
    String url = content.get(1).path("image_url").path("url").asString();
    assertThat(url).startsWith("data:image/jpeg;base64,");
    assertThat(Base64.getDecoder().decode(url.substring("data:image/jpeg;base64,".length())))
        .isEqualTo(image.bytes());
    // a retried send reads the image from the spool again: the same bytes
    assertThat(body.toBytes()).isEqualTo(sent);
    image.release();
  }

  @Test
  void an_image_of_unknown_type_is_sent_as_a_png_data_url() throws Exception {
    ResultSpool.Held image = spooledImage(1000, 2);
    SplicedBody body =
        OpenAiBodies.chatCompletion(
            Json.mapper(),
            "gpt-4.1-mini",
            new CaptionRequest(
                "gpt-4.1-mini", "Describe", SplicedBody.Source.of(image), null, null));

    String url =
        Json.mapper()
            .readTree(body.toBytes())
            .path("messages")
            .get(0)
            .path("content")
            .get(1)
            .path("image_url")
            .path("url")
            .asString();
    assertThat(url).startsWith("data:image/png;base64,");
    assertThat(Base64.getDecoder().decode(url.substring(url.indexOf(',') + 1)))
        .isEqualTo(image.bytes());
    image.release();
  }

  /**
   * Building and sending the body of a 24 MB image (a 4K one) allocates a small fraction of it,
   * where encoding it into the JSON took its size four times over (bytes, base64 String, JSON
   * bytes, body).
   */
  @Test
  void sending_the_chat_completion_body_of_a_4k_image_allocates_a_bounded_buffer_not_the_image()
      throws Exception {
    int size = 24 * 1024 * 1024;
    ResultSpool.Held image = spooledImage(size, 3);
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    byte[] buffer = new byte[64 * 1024];

    long before = mx.getThreadAllocatedBytes(thread);
    SplicedBody body = OpenAiBodies.chatCompletion(Json.mapper(), "gpt-4.1-mini", request(image));
    long read = 0;
    try (InputStream in = body.open()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        read += n;
      }
    }
    long allocated = mx.getThreadAllocatedBytes(thread) - before;

    assertThat(read).isEqualTo(body.length()).isGreaterThan(4L * size / 3);
    assertThat(allocated).isLessThan(size / 8);
    image.release();
  }
}
