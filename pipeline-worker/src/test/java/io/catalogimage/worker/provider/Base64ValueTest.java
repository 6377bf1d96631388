package io.catalogimage.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.catalogimage.common.json.Json;
import io.catalogimage.worker.result.ResultProperties;
import io.catalogimage.worker.result.ResultSpool;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Images are decoded past Jackson (the JDK's block decoder) and the answer goes on in a new parser:
 * whatever the image sizes, where they sit in the answer, how the stream splits its reads and
 * whether slashes are escaped, the images come out byte for byte and the rest of the answer is the
 * tree Jackson itself reads; broken base64, an answer cut inside an image and a failing stream end
 * as they did with Jackson's decoder, with nothing left in the spool.
 */
class Base64ValueTest {

  private static final JsonMapper JSON = Json.mapper();
  private static final Set<String> GEMINI = Set.of("inlineData.data");
  private static final Set<String> OPENAI = Set.of("b64_json");

  @Test
  void images_and_the_rest_of_the_answer_read_as_jackson_reads_them() throws Exception {
    Random random = new Random(17);
    for (int round = 0; round < 60; round++) {
      // sizes around the 64 KB read chunk and its base64 groups, and a real 1K size now and then
      List<byte[]> images = new ArrayList<>();
      int n = 1 + random.nextInt(3);
      for (int i = 0; i < n; i++) {
        int size =
            switch (random.nextInt(4)) {
              case 0 -> 8 + random.nextInt(64);
              case 1 -> 49_152 - 4 + random.nextInt(9);
              case 2 -> 65_536 - 4 + random.nextInt(9);
              default -> 100_000 + random.nextInt(1_600_000);
            };
        images.add(png(size, random.nextLong()));
      }
      boolean escapeSlashes = random.nextBoolean();
      String answer = geminiAnswer(images, escapeSlashes);
      ResultSpool spool = spool();
      int maxRead = 1 + random.nextInt(random.nextBoolean() ? 7 : 100_000);

      try (StreamedAnswer read =
          StreamedAnswer.read(
              new Trickle(answer.getBytes(StandardCharsets.US_ASCII), maxRead, random.nextLong()),
              JSON,
              spool,
              GEMINI)) {
        List<JsonNode> parts = new ArrayList<>();
        read.root().path("candidates").get(0).path("content").path("parts").forEach(parts::add);
        for (int i = 0; i < n; i++) {
          StreamedAnswer.Image image =
              read.take(parts.get(2 * i + 1).path("inlineData").path("data").asString());
          assertThat(image.refused()).isNull();
          assertThat(mismatch(image.held().bytes(), images.get(i)))
              .as(
                  "first differing byte of image %d (%d bytes), slashes escaped %s, reads of up to %d",
                  i, images.get(i).length, escapeSlashes, maxRead)
              .isEqualTo(-1);
          image.held().release();
        }
        assertThat(read.root()).isEqualTo(jacksonTreeWithReferences(answer));
      }
      assertThat(spool.bytesPending()).isZero();
    }
  }

  @Test
  void openai_images_in_an_array_come_out_in_order() {
    byte[] first = png(70_000, 1);
    byte[] second = png(3, 2);
    String answer =
        "{\"created\":1,\"data\":[{\"b64_json\":\""
            + b64(first)
            + "\",\"revised_prompt\":\"a \\\"red\\\" mug\"},{\"b64_json\":\""
            + b64(second)
            + "\"}],\"usage\":{\"total_tokens\":42,\"detail\":[1,2.5,true,null]}}";
    ResultSpool spool = spool();

    try (StreamedAnswer read = StreamedAnswer.read(stream(answer), JSON, spool, OPENAI)) {
      JsonNode data = read.root().path("data");
      assertThat(mismatch(read.take(data.get(0).path("b64_json").asString()).held().bytes(), first))
          .isEqualTo(-1);
      assertThat(
              mismatch(read.take(data.get(1).path("b64_json").asString()).held().bytes(), second))
          .isEqualTo(-1);
      assertThat(data.get(0).path("revised_prompt").asString()).isEqualTo("a \"red\" mug");
      assertThat(read.root().path("usage").path("detail").toString())
          .isEqualTo("[1,2.5,true,null]");
    }
  }

  @Test
  void base64_that_is_broken_is_an_unreadable_answer_and_frees_the_spool() {
    ResultSpool spool = spool();
    String b64 = b64(png(200_000, 3));
    String broken = b64.substring(0, 150_000) + "*" + b64.substring(150_001);

    assertThatThrownBy(() -> StreamedAnswer.read(stream(geminiAnswer(broken)), JSON, spool, GEMINI))
        .isInstanceOf(JacksonException.class)
        .isNotInstanceOf(JacksonIOException.class)
        .hasMessageContaining("not valid base64");
    assertThatThrownBy(
            () ->
                StreamedAnswer.read(
                    stream(geminiAnswer(b64.substring(0, 10) + "\\n" + b64.substring(10))),
                    JSON,
                    spool,
                    GEMINI))
        .isInstanceOf(JacksonException.class)
        .isNotInstanceOf(JacksonIOException.class);
    assertThat(spool.bytesPending()).isZero();
  }

  @Test
  void an_answer_cut_inside_an_image_is_unreadable_and_frees_the_spool() {
    ResultSpool spool = spool();
    String answer = geminiAnswer(List.of(png(300_000, 4)), false);

    assertThatThrownBy(
            () ->
                StreamedAnswer.read(
                    stream(answer.substring(0, answer.length() / 2)), JSON, spool, GEMINI))
        .isInstanceOf(JacksonException.class)
        .isNotInstanceOf(JacksonIOException.class)
        .hasMessageContaining("ends inside an image");
    assertThat(spool.bytesPending()).isZero();
  }

  @Test
  void a_stream_that_fails_inside_an_image_is_a_transport_failure_and_frees_the_spool() {
    ResultSpool spool = spool();
    byte[] answer = geminiAnswer(List.of(png(300_000, 5)), false).getBytes(StandardCharsets.UTF_8);
    InputStream failing =
        new FilterInputStream(new ByteArrayInputStream(answer, 0, 200_000)) {
          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n < 0) {
              throw new IOException("connection reset");
            }
            return n;
          }
        };

    assertThatThrownBy(() -> StreamedAnswer.read(failing, JSON, spool, GEMINI))
        .isInstanceOf(JacksonIOException.class)
        .hasMessageContaining("connection reset");
    assertThat(spool.bytesPending()).isZero();
  }

  @Test
  void the_answer_stream_is_closed_once_read() {
    boolean[] closed = {false};
    InputStream in =
        new FilterInputStream(stream(geminiAnswer(b64(png(90_000, 6))))) {
          @Override
          public void close() throws IOException {
            closed[0] = true;
            super.close();
          }
        };

    try (StreamedAnswer read = StreamedAnswer.read(in, JSON, spool(), GEMINI)) {
      assertThat(read.root().path("modelVersion").asString()).isEqualTo("nb2");
    }
    assertThat(closed[0]).isTrue();
  }

  @Test
  void an_escaped_slash_split_by_the_read_buffer_is_decoded() throws Exception {
    // an image whose base64 has a slash where the escape's backslash is the buffer's last byte
    byte[] image;
    String b64;
    long seed = 0;
    do {
      image = png(60_000, seed++);
      b64 = b64(image);
    } while (b64.charAt(65_535) != '/');
    String escaped = b64.substring(0, 65_535) + "\\" + b64.substring(65_535);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

    byte[] after = Base64Value.decodeToQuote(stream(escaped + "\"}]}"), out);

    assertThat(mismatch(out.toByteArray(), image)).isEqualTo(-1);
    assertThat(new String(after, StandardCharsets.US_ASCII)).isEqualTo("}]}");
  }

  @Test
  void the_end_of_an_image_is_found_wherever_it_falls_among_bytes_of_any_value() {
    Random random = new Random(7);
    for (int round = 0; round < 20_000; round++) {
      byte[] bytes = new byte[1 + random.nextInt(40)];
      for (int i = 0; i < bytes.length; i++) {
        // near misses too: one off the quote or backslash, the same with the high bit set
        byte[] nearMisses = {'!', '#', '[', ']', (byte) 0xA2, (byte) 0xDC, 0, (byte) 0xFF};
        bytes[i] =
            random.nextBoolean()
                ? nearMisses[random.nextInt(nearMisses.length)]
                : (byte) random.nextInt(256);
      }
      if (random.nextBoolean()) {
        bytes[random.nextInt(bytes.length)] = (byte) (random.nextBoolean() ? '"' : '\\');
      }
      int from = random.nextInt(bytes.length);
      int expected = bytes.length;
      for (int i = from; i < bytes.length; i++) {
        if (bytes[i] == '"' || bytes[i] == '\\') {
          expected = i;
          break;
        }
      }
      assertThat(Base64Value.nextQuoteOrEscape(bytes, from, bytes.length))
          .as("%s from %d", Arrays.toString(bytes), from)
          .isEqualTo(expected);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** A Gemini answer: thought text, then each image as its own part, then metadata. */
  private static String geminiAnswer(List<byte[]> images, boolean escapeSlashes) {
    StringBuilder parts = new StringBuilder();
    for (int i = 0; i < images.size(); i++) {
      String data = b64(images.get(i));
      if (escapeSlashes) {
        data = data.replace("/", "\\/");
      }
      parts
          .append(i == 0 ? "" : ",")
          .append("{\"text\":\"part ")
          .append(i)
          .append(" \\u00e9 {not json}\",\"thought\":")
          .append(i % 2 == 0)
          .append("},")
          .append("{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"")
          .append(data)
          .append("\"},\"thoughtSignature\":\"c2ln\"}");
    }
    return "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":["
        + parts
        + "]},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":12,"
        + "\"candidatesTokenCount\":1290,\"ratio\":0.5,\"big\":12345678901234567890},"
        + "\"modelVersion\":\"nb2\"}";
  }

  private static String geminiAnswer(String data) {
    return "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\","
        + "\"data\":\""
        + data
        + "\"}}]}}],\"modelVersion\":\"nb2\"}";
  }

  /** What Jackson reads from the answer, each image value replaced by its reference. */
  private static JsonNode jacksonTreeWithReferences(String answer) {
    JsonNode tree = JSON.readTree(answer);
    int i = 0;
    for (JsonNode part : tree.path("candidates").get(0).path("content").path("parts")) {
      if (part.has("inlineData")) {
        ((ObjectNode) part.path("inlineData")).put("data", "\u0000image:" + i++);
      }
    }
    return tree;
  }

  /** Where two byte arrays first differ (-1: nowhere): a failure says where, not 2 MB of bytes. */
  private static long mismatch(byte[] actual, byte[] expected) {
    return Arrays.mismatch(actual, expected);
  }

  private static byte[] png(int size, long seed) {
    byte[] bytes = new byte[Math.max(size, 8)];
    new Random(seed).nextBytes(bytes);
    byte[] signature = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    System.arraycopy(signature, 0, bytes, 0, 8);
    return bytes;
  }

  private static String b64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  private static InputStream stream(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  private static ResultSpool spool() {
    return new ResultSpool(ResultProperties.defaults());
  }

  /** Hands out at most {@code max} bytes per read, a random number of them: a slow network. */
  private static final class Trickle extends ByteArrayInputStream {
    private final int max;
    private final Random random;

    Trickle(byte[] bytes, int max, long seed) {
      super(bytes);
      this.max = max;
      this.random = new Random(seed);
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      return super.read(b, off, Math.min(len, 1 + random.nextInt(max)));
    }
  }
}
