package io.catalogimage.simulator.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimClient;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.config.SignatureMode;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Reference §4: the echo rule, checked strictly (400) or leniently (a warning header). */
class MultiTurnSignatureTest {
  private static final String NB2 = "gemini-3.1-flash-image";
  private static final String PRO = "gemini-3-pro-image";

  private static ProviderSimulator strict;
  private static ProviderSimulator lenient;
  private static ProviderSimulator strictRealSize;

  @BeforeAll
  static void start() {
    SimulatorConfig base = SimulatorConfig.defaults().withTimeScale(0).withoutPeak();
    strict = ProviderSimulator.start(base.withSignatures(SignatureMode.STRICT));
    lenient = ProviderSimulator.start(base.withSignatures(SignatureMode.LENIENT));
    strictRealSize =
        ProviderSimulator.start(base.withSignatures(SignatureMode.STRICT).withRealisticImages());
  }

  @AfterAll
  static void stop() {
    strict.close();
    lenient.close();
    strictRealSize.close();
  }

  /** First turn, then the same conversation with its model turn (altered by {@code tamper}). */
  private static SimClient.Reply edit(
      ProviderSimulator sim, String model, Consumer<ArrayNode> tamper) {
    SimClient client = new SimClient(sim);
    ObjectNode first = SimClient.image("A red leather strap", "1:1", "1K");
    SimClient.Reply original = client.gemini(model, first);
    assertThat(original.status()).isEqualTo(200);
    ObjectNode next = first.deepCopy();
    ArrayNode contents = (ArrayNode) next.get("contents");
    ObjectNode modelTurn = contents.addObject();
    modelTurn.put("role", "model");
    ArrayNode echoed = modelTurn.putArray("parts");
    for (JsonNode part : original.parts()) {
      if (!part.path("thought").asBoolean(false)) {
        echoed.add(part.deepCopy());
      }
    }
    tamper.accept(echoed);
    ObjectNode user = contents.addObject();
    user.put("role", "user");
    user.putArray("parts").addObject().put("text", "Make the strap dark green");
    SimClient.Reply edited = client.gemini(model, next);
    // real-size images are the same noise for every answer of a size
    if (edited.status() == 200 && sim != strictRealSize) {
      assertThat(Arrays.equals(edited.finalImages().get(0), original.finalImages().get(0)))
          .as("an edit looks different from the image before it")
          .isFalse();
    }
    return edited;
  }

  @Test
  void strict_mode_accepts_every_signature_echoed_byte_for_byte_on_nb2_and_pro() {
    for (String model : new String[] {NB2, PRO}) {
      long before = strict.signatures().verified();
      SimClient.Reply r = edit(strict, model, parts -> {});
      assertThat(r.status()).as(model).isEqualTo(200);
      assertThat(r.parts().get(1).path("thoughtSignature").asString()).isNotEmpty();
      assertThat(strict.signatures().verified() - before).as("text and image checked").isEqualTo(2);
    }
  }

  @Test
  void strict_mode_refuses_a_missing_image_signature_with_400_invalid_argument() {
    SimClient.Reply r =
        edit(strict, NB2, parts -> ((ObjectNode) parts.get(1)).remove("thoughtSignature"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().path("status").asString()).isEqualTo("INVALID_ARGUMENT");
    assertThat(r.error().path("message").asString())
        .contains("contents[1].parts[1]")
        .contains("missing a thought_signature");
  }

  @Test
  void strict_mode_refuses_an_altered_image_or_a_signature_from_another_part() {
    SimClient.Reply altered =
        edit(
            strict,
            PRO,
            parts -> {
              ObjectNode inline = (ObjectNode) parts.get(1).get("inlineData");
              String data = inline.get("data").asString();
              inline.put("data", data.substring(0, data.length() - 8) + "AAAAAAA=");
            });
    assertThat(altered.status()).isEqualTo(400);
    assertThat(altered.error().path("message").asString())
        .isEqualTo("Corrupted thought signature.");

    SimClient.Reply swapped =
        edit(
            strict,
            NB2,
            parts -> {
              String textSig = parts.get(0).get("thoughtSignature").asString();
              ((ObjectNode) parts.get(1)).put("thoughtSignature", textSig);
            });
    assertThat(swapped.status()).isEqualTo(400);
  }

  /**
   * Real-size images are one cached array per size, their digest kept beside it: every answer's
   * signature still holds for its own echo, and an altered copy is still refused.
   */
  @Test
  void real_size_images_sharing_one_cached_digest_are_checked_like_any_other() {
    for (int round = 0; round < 2; round++) {
      long before = strictRealSize.signatures().verified();
      SimClient.Reply r = edit(strictRealSize, NB2, parts -> {});
      assertThat(r.status()).as("round %d", round).isEqualTo(200);
      assertThat(strictRealSize.signatures().verified() - before).isEqualTo(2);
    }
    SimClient.Reply altered =
        edit(
            strictRealSize,
            NB2,
            parts -> {
              ObjectNode inline = (ObjectNode) parts.get(1).get("inlineData");
              String data = inline.get("data").asString();
              inline.put("data", "AAAA" + data.substring(4));
            });
    assertThat(altered.status()).isEqualTo(400);
    assertThat(altered.error().path("message").asString())
        .isEqualTo("Corrupted thought signature.");
  }

  @Test
  void lenient_mode_answers_a_missing_signature_with_a_warning() {
    SimClient.Reply r =
        edit(lenient, NB2, parts -> ((ObjectNode) parts.get(0)).remove("thoughtSignature"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-sim-signature-warning")).contains("missing a thought_signature");
  }
}
