package io.catalogimage.worker.result;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AltTextTest {

  @Test
  void reads_caption_and_alt_text_per_locale_even_inside_a_code_fence() {
    AltText alt =
        AltText.parse(
            "```json\n{\"caption\": \"A navy T-shirt.\", \"altText\": {\"en\": \"Navy T-shirt\", \"de\": \"Marineblaues T-Shirt\"}}\n```",
            List.of("en", "de"));
    assertThat(alt.caption()).isEqualTo("A navy T-shirt.");
    assertThat(alt.byLocale())
        .containsEntry("en", "Navy T-shirt")
        .containsEntry("de", "Marineblaues T-Shirt");
    assertThat(alt.warnings()).isEmpty();
  }

  @Test
  void reports_missing_locales_instead_of_inventing_them() {
    AltText alt =
        AltText.parse("{\"caption\": \"x\", \"altText\": {\"en\": \"y\"}}", List.of("en", "ja"));
    assertThat(alt.byLocale()).containsOnlyKeys("en");
    assertThat(alt.warnings()).containsExactly("no alt text for locale ja");
  }

  @Test
  void plain_text_becomes_the_caption_and_every_locale_is_reported_missing() {
    AltText alt = AltText.parse("Here is the image.", List.of("en"));
    assertThat(alt.caption()).isEqualTo("Here is the image.");
    assertThat(alt.warnings()).containsExactly("no alt text for locale en");
  }
}
