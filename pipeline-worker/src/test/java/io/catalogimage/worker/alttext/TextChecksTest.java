package io.catalogimage.worker.alttext;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Real good and bad alt texts, as models write them, through every check. */
class TextChecksTest {

  private static final List<String> ASKED = List.of("en", "de", "fr", "es", "ja");
  private static final Product SHOE =
      new Product(
          "Trailblazer running shoe",
          "Shoes",
          "Professional e-commerce product photo of Trailblazer running shoe, on a clean white"
              + " background");

  private final TextChecks checks =
      new TextChecks(AltTextProperties.defaults(), new LanguageId(List.of("en", "de")));

  private CheckedText check(String locale, String text) {
    return checks.check(locale, text, Source.IMAGE_MODEL, SHOE, ASKED);
  }

  @Test
  void goodTextsInEveryLocalePass() {
    assertThat(check("en", "Red Trailblazer running shoe with a white sole, side view").passed())
        .isTrue();
    assertThat(
            check("de", "Roter Trailblazer Laufschuh mit weißer Sohle, von der Seite gesehen")
                .passed())
        .isTrue();
    assertThat(
            check("fr", "Chaussure de course Trailblazer rouge à semelle blanche, vue de côté")
                .passed())
        .isTrue();
    assertThat(
            check("es", "Zapatilla de correr Trailblazer roja con suela blanca, vista lateral")
                .passed())
        .isTrue();
    CheckedText ja = check("ja", "白いソールの赤いトレイルブレイザーのランニングシューズ、側面から見たところ");
    assertThat(ja.passed()).isTrue();
    assertThat(ja.checks()).containsEntry("names-product", CheckedText.SKIPPED);
    assertThat(ja.source()).isEqualTo("image-model");
  }

  @Test
  void englishWhereGermanWasAskedFailsTheLanguageCheck() {
    CheckedText de = check("de", "Red Trailblazer running shoe with a white sole, side view");
    assertThat(de.passed()).isFalse();
    assertThat(de.checks()).containsEntry("language", CheckedText.FAILED);
    assertThat(de.problems().get("language")).contains("English").contains("German");
    CheckedText ja = check("ja", "Red Trailblazer running shoe with a white sole, side view");
    assertThat(ja.checks()).containsEntry("language", CheckedText.FAILED);
    // a French text for Spanish: neighbours, still told apart
    assertThat(
            check("es", "Chaussure de course Trailblazer rouge à semelle blanche, vue de côté")
                .checks())
        .containsEntry("language", CheckedText.FAILED);
  }

  @Test
  void missingAndTooLongAndTooShortFail() {
    CheckedText missing = check("fr", null);
    assertThat(missing.passed()).isFalse();
    assertThat(missing.checks()).containsEntry("present", CheckedText.FAILED);
    CheckedText blank = check("fr", "   ");
    assertThat(blank.checks()).containsEntry("present", CheckedText.FAILED);
    String rambling =
        "Red Trailblazer running shoe with a white sole shown from the side on a white background,"
            + " with the laces tied in a double knot and the tongue pulled up, lit from the left";
    CheckedText tooLong = check("en", rambling);
    assertThat(tooLong.checks()).containsEntry("length", CheckedText.FAILED);
    assertThat(tooLong.problems().get("length")).contains("outside 5..125");
    assertThat(check("en", "Shoe").checks()).containsEntry("length", CheckedText.FAILED);
    TextChecks longer =
        new TextChecks(
            new AltTextProperties(250, null, null, null, null, null, null, null, null),
            new LanguageId(List.of("en")));
    assertThat(longer.check("en", rambling, Source.IMAGE_MODEL, SHOE, ASKED).passed()).isTrue();
  }

  @Test
  void boilerplateInAnyLanguageFails() {
    for (String[] bad :
        new String[][] {
          {"en", "Image of a red Trailblazer running shoe with a white sole"},
          {"en", "A picture of the Trailblazer running shoe, side view"},
          {"de", "Bild von einem roten Trailblazer Laufschuh mit weißer Sohle"},
          {"fr", "Photo de la chaussure de course Trailblazer rouge"},
          {"es", "Imagen de una zapatilla de correr Trailblazer roja"},
          {"ja", "赤いトレイルブレイザーのランニングシューズの画像"},
          {"en", "Alt text: red Trailblazer running shoe with a white sole"}
        }) {
      CheckedText c = check(bad[0], bad[1]);
      assertThat(c.checks()).as(bad[1]).containsEntry("no-boilerplate", CheckedText.FAILED);
    }
    // "photo" as a word of the description is not boilerplate
    assertThat(check("en", "Trailblazer running shoe next to a photo frame").checks())
        .containsEntry("no-boilerplate", CheckedText.PASSED);
  }

  @Test
  void echoedInstructionsAndPromptFail() {
    CheckedText echo =
        check(
            "en",
            "After the image, write one JSON object and nothing else: Trailblazer running shoe");
    assertThat(echo.checks()).containsEntry("no-prompt-leak", CheckedText.FAILED);
    CheckedText prose =
        check("en", "{\"caption\": \"Trailblazer running shoe\", \"altText\": {\"en\": \"x\"}}");
    assertThat(prose.checks()).containsEntry("no-prompt-leak", CheckedText.FAILED);
    CheckedText prompt =
        check(
            "en",
            "E-commerce product photo of Trailblazer running shoe, on a clean white background");
    assertThat(prompt.passed()).isFalse();
    assertThat(prompt.checks()).containsEntry("no-prompt-leak", CheckedText.FAILED);
  }

  @Test
  void aTextThatNamesAnotherProductFails() {
    CheckedText other = check("en", "Blue ceramic coffee mug with a curved handle, front view");
    assertThat(other.checks()).containsEntry("names-product", CheckedText.FAILED);
    assertThat(other.problems().get("names-product")).contains("trailblazer");
    // the category is enough
    assertThat(check("en", "Pair of red shoes with white soles, side view").passed()).isTrue();
  }

  @Test
  void anyBcp47TagIsCheckedAndUnknownLanguagesAreSkippedNotPassedSilently() {
    List<String> asked = List.of("pt-BR", "pl");
    CheckedText pt =
        checks.check(
            "pt-BR",
            "Tênis de corrida Trailblazer vermelho com sola branca, vista lateral",
            Source.CAPTION_MODEL,
            SHOE,
            asked);
    assertThat(pt.passed()).isTrue();
    CheckedText plAsEnglish =
        checks.check(
            "pl",
            "Red Trailblazer running shoe with a white sole",
            Source.CAPTION_MODEL,
            SHOE,
            asked);
    assertThat(plAsEnglish.checks()).containsEntry("language", CheckedText.FAILED);
    CheckedText klingon =
        checks.check(
            "tlh",
            "Red Trailblazer running shoe with a white sole",
            Source.CAPTION_MODEL,
            SHOE,
            List.of("tlh"));
    assertThat(klingon.checks()).containsEntry("language", CheckedText.SKIPPED);
    assertThat(klingon.passed()).isTrue();
  }
}
