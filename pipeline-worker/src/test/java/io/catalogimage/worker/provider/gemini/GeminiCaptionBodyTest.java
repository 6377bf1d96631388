package io.catalogimage.worker.provider.gemini;

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
 * The body of a Gemini caption call ({@code generateContent} with the final image inline, text
 * out): the image is read from the spool and base64-encoded while the body is sent, so the body
 * decodes to the image byte for byte, declares its exact length, can be sent again (a retry), and
 * sending it never allocates the image's size.
 */
class GeminiCaptionBodyTest {

  private static final int IMAGE_BYTES = 6 * 1024 * 1024 + 2; // a 2K image; not a multiple of 3

  @TempDir Path spoolDir;

  /** Per-image memory limit 1 MB: the image is in a spool file, as a real 2K answer is. */
  private ResultSpool.Held spooledImage(int size, long seed) {
    return TestSpools.randomPng(TestSpools.realSizeToDisk(spoolDir), size, seed);
  }

  private static CaptionRequest request(ResultSpool.Held image) {
    return new CaptionRequest(
        "gemini-2.5-flash",
        "Describe the walnut desk organiser",
        SplicedBody.Source.of(image),
        "image/png",
        null);
  }

  @Test
  void the_caption_body_carries_the_spooled_image_byte_for_byte_with_its_exact_length()
      throws Exception {
    ResultSpool.Held image = spooledImage(IMAGE_BYTES, 1);
    assertThat(image.onDisk()).isTrue();

    SplicedBody body = GeminiBodies.describe(Json.mapper(), request(image));
    byte[] sent = body.toBytes();

    assertThat(sent).hasSize((int) body.length());
    JsonNode root = Json.mapper().readTree(sent);
    JsonNode parts = root.path("contents").get(0).path("parts");
    assertThat(root.path("contents").get(0).path("role").asString()).isEqualTo("user");
    assertThat(parts.get(0).path("text").asString())
        .isEqualTo("Describe the walnut desk organiser");
    assertThat(parts.get(1).path("inlineData").path("mimeType").asString()).isEqualTo("image/png");
    assertThat(Base64.getDecoder().decode(parts.get(1).path("inlineData").path("data").asString()))
        .isEqualTo(image.bytes());
    assertThat(root.path("generationConfig").path("responseModalities").get(0).asString())
        .isEqualTo("TEXT");
    assertThat(root.path("generationConfig").path("responseMimeType").asString())
        .isEqualTo("application/json");
    // a retried send reads the image from the spool again: the same bytes
    assertThat(body.toBytes()).isEqualTo(sent);
    image.release();
  }

  @Test
  void an_image_of_unknown_type_is_sent_as_png() throws Exception {
    ResultSpool.Held image = spooledImage(1000, 2);
    SplicedBody body =
        GeminiBodies.describe(
            Json.mapper(),
            new CaptionRequest(
                "gemini-2.5-flash", "Describe", SplicedBody.Source.of(image), null, null));

    JsonNode inline =
        Json.mapper()
            .readTree(body.toBytes())
            .path("contents")
            .get(0)
            .path("parts")
            .get(1)
            .path("inlineData");
    assertThat(inline.path("mimeType").asString()).isEqualTo("image/png");
    assertThat(Base64.getDecoder().decode(inline.path("data").asString())).isEqualTo(image.bytes());
    image.release();
  }

  /**
   * Building and sending the body of a 24 MB image (a 4K one) allocates a small fraction of it,
   * where encoding it into the JSON took its size four times over (bytes, base64 String, JSON
   * bytes, body).
   */
  @Test
  void sending_the_caption_body_of_a_4k_image_allocates_a_bounded_buffer_not_the_image()
      throws Exception {
    int size = 24 * 1024 * 1024;
    ResultSpool.Held image = spooledImage(size, 3);
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    byte[] buffer = new byte[64 * 1024];

    long before = mx.getThreadAllocatedBytes(thread);
    SplicedBody body = GeminiBodies.describe(Json.mapper(), request(image));
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
