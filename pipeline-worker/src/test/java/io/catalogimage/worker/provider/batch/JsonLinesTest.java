package io.catalogimage.worker.provider.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonLinesTest {

  private static List<String> lines(String text, int readAtMost) throws IOException {
    JsonLines lines =
        new JsonLines(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    List<String> out = new ArrayList<>();
    for (InputStream line = lines.next(); line != null; line = lines.next()) {
      byte[] read = readAtMost < 0 ? line.readAllBytes() : line.readNBytes(readAtMost);
      line.transferTo(java.io.OutputStream.nullOutputStream()); // what BatchHttp does after
      out.add(new String(read, StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void each_line_ends_at_its_newline_and_blank_lines_are_skipped() throws IOException {
    assertThat(lines("{\"a\":1}\n\n  \r\n{\"b\":2}\r\n{\"c\":3}", -1))
        .containsExactly("{\"a\":1}", "{\"b\":2}\r", "{\"c\":3}");
    assertThat(lines("", -1)).isEmpty();
    assertThat(lines("\n\n", -1)).isEmpty();
  }

  @Test
  void a_line_left_half_read_does_not_leak_into_the_next() throws IOException {
    assertThat(lines("{\"key\":\"one\",\"rest\":\"xxxx\"}\n{\"key\":\"two\"}\n", 5))
        .containsExactly("{\"key", "{\"key");
  }

  @Test
  void a_line_many_times_the_buffer_comes_through_whole() throws IOException {
    String big = "{\"data\":\"" + "A".repeat(1_000_000) + "\"}";
    List<String> got = lines(big + "\n" + big + "\n{\"end\":true}\n", -1);
    assertThat(got).hasSize(3);
    assertThat(got.get(0)).isEqualTo(big);
    assertThat(got.get(1)).isEqualTo(big);
    assertThat(got.get(2)).isEqualTo("{\"end\":true}");
  }
}
