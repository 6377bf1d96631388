package io.catalogimage.local.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** The fuzz oracle's own mutations: a truncation it says must be refused is really invalid. */
class FuzzCasesTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void a_truncated_ndjson_body_always_ends_inside_an_unfinished_line() {
    byte[] body =
        ("{\"sku\":\"9\",\"title\":\"Z\",\"description\":\"a\"}\r\n"
                + "{\"sku\":\"10\",\"title\":\"Y\"}\n{\"sku\":\"11\",\"title\":\"\\\\\"}\n")
            .getBytes(StandardCharsets.UTF_8);
    Random random = new Random(7);
    for (int i = 0; i < 2_000; i++) {
      byte[] cut = FuzzCases.cutInsideALine(body, random);
      String text = new String(cut, StandardCharsets.UTF_8);
      String last = text.substring(text.lastIndexOf('\n') + 1).strip();

      assertThat(cut.length).isLessThan(body.length);
      assertThat(last).as("cut at %d", cut.length).isNotEmpty();
      assertThat(parses(last)).as("last line %s", last).isFalse();
    }
  }

  private static boolean parses(String line) {
    try {
      JSON.readTree(line);
      return true;
    } catch (JacksonException e) {
      return false;
    }
  }
}
