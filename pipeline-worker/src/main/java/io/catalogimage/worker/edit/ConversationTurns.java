package io.catalogimage.worker.edit;

import io.catalogimage.common.edit.Conversations;
import io.catalogimage.common.json.Json;
import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ModelPart;
import io.catalogimage.worker.provider.PriorTurn;
import io.catalogimage.worker.reference.ReferenceImages;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a model's answer into a kept conversation turn, and kept turns back into the history an
 * edit sends. A kept model turn is its non-thought parts exactly as received, {@code
 * thoughtSignature} included; the final image is kept as its object key (it is already stored
 * there, byte for byte) and read back for the replay; any other image part (3.1 Flash sometimes
 * sends a 1K default before the requested size) stays inline, because its signature must be echoed
 * with exactly its bytes.
 */
@Component
public class ConversationTurns {

  private final Conversations conversations;
  private final ObjectStore store;
  private final ReferenceImages referenceImages;

  public ConversationTurns(
      Conversations conversations, ObjectStore store, ReferenceImages referenceImages) {
    this.conversations = conversations;
    this.store = store;
    this.referenceImages = referenceImages;
  }

  /** Thrown when a kept conversation cannot be replayed (an image gone from storage). */
  public static final class Unreplayable extends RuntimeException {
    Unreplayable(String message) {
      super(message);
    }
  }

  /**
   * What an edit sends before its instruction: the kept turns to replay, and the images its own
   * user turn carries.
   *
   * @param turns the conversation up to the edit's base version, oldest turn first
   * @param images empty, but for an edit of an image whose conversation was not kept (an item made
   *     before V80): that image, sent inline with the instruction as a fresh conversation
   */
  public record Replay(List<PriorTurn> turns, List<GenerationRequest.ReferenceImage> images) {}

  /**
   * The conversation up to the edit's base version, oldest turn first, images read back from
   * storage; the first turn's product photo is fetched again from its source (and left out, with
   * the model's own answer still replayed, if it is no longer available). A version whose
   * conversation was not kept has nothing to replay: its image is what the next user turn carried.
   */
  public Replay history(ClaimedItem item) {
    List<Conversations.Turn> chain = conversations.chain(item.id(), item.edit().baseAttempt());
    if (chain.isEmpty()) {
      throw new Unreplayable(
          "no kept conversation for version " + item.edit().baseAttempt() + " of the item");
    }
    List<PriorTurn> turns = new ArrayList<>();
    List<GenerationRequest.ReferenceImage> carried = List.of();
    List<GenerationRequest.ReferenceImage> fetched = new ArrayList<>();
    try {
      for (Conversations.Turn t : chain) {
        if (!t.conversationKept()) {
          // an image alone: the turn after it started a fresh conversation with it
          for (PriorTurn dropped : turns) {
            dropped.userImages().forEach(GenerationRequest.ReferenceImage::release);
            fetched.removeAll(dropped.userImages());
          }
          turns.clear();
          ModelPart image = modelParts(t).get(0);
          carried = List.of(GenerationRequest.ReferenceImage.of(image.mimeType(), image.image()));
          continue;
        }
        List<GenerationRequest.ReferenceImage> photos = List.of();
        if (!carried.isEmpty()) {
          photos = carried;
        } else if (t.referenceImages() > 0 && item.referenceImage() != null) {
          ReferenceImages.Fetched f = referenceImages.fetch(item.tenant(), item.referenceImage());
          if (f instanceof ReferenceImages.Image image) {
            photos = List.of(image.image());
            fetched.add(image.image());
          }
        }
        carried = List.of();
        turns.add(new PriorTurn(t.requestText(), photos, modelParts(t)));
      }
    } catch (RuntimeException e) {
      fetched.forEach(GenerationRequest.ReferenceImage::release); // no request will release them
      throw e;
    }
    return new Replay(turns, carried);
  }

  private List<ModelPart> modelParts(Conversations.Turn t) {
    List<ModelPart> parts = new ArrayList<>();
    for (JsonNode p : Json.mapper().readTree(t.modelPartsJson())) {
      String signature =
          p.hasNonNull("thoughtSignature") ? p.get("thoughtSignature").asString() : null;
      if (p.hasNonNull("text")) {
        parts.add(new ModelPart(p.get("text").asString(), null, null, signature));
        continue;
      }
      byte[] bytes;
      if (p.hasNonNull("imageKey")) {
        String key = p.get("imageKey").asString();
        bytes =
            store
                .get(key)
                .orElseThrow(() -> new Unreplayable("the image " + key + " is gone from storage"));
      } else {
        bytes = Base64.getDecoder().decode(p.get("data").asString());
      }
      parts.add(new ModelPart(null, p.get("mimeType").asString(), bytes, signature));
    }
    return parts;
  }

  /**
   * The turn to keep for a stored answer: the model's non-thought parts as received (the last image
   * as {@code imageKey}); an answer without a conversation (OpenAI) keeps its image alone.
   */
  public static Conversations.Turn turn(
      ClaimedItem item,
      int attempt,
      String model,
      String modelServed,
      GenerationRequest request,
      List<ModelPart> modelTurn,
      String mimeType,
      String imageKey,
      String sidecarKey,
      Map<String, String> altText,
      String caption,
      Instant at) {
    ArrayNode parts = Json.mapper().createArrayNode();
    int lastImage = -1;
    for (int i = 0; i < modelTurn.size(); i++) {
      if (modelTurn.get(i).isImage()) {
        lastImage = i;
      }
    }
    if (lastImage < 0) {
      ObjectNode image = parts.addObject();
      image.put("mimeType", mimeType);
      image.put("imageKey", imageKey);
    }
    for (int i = 0; i < modelTurn.size(); i++) {
      ModelPart p = modelTurn.get(i);
      ObjectNode part = parts.addObject();
      if (!p.isImage()) {
        part.put("text", p.text());
      } else {
        part.put("mimeType", p.mimeType());
        if (i == lastImage) {
          part.put("imageKey", imageKey);
        } else {
          part.put("data", Base64.getEncoder().encodeToString(p.image()));
        }
      }
      if (p.thoughtSignature() != null) {
        part.put("thoughtSignature", p.thoughtSignature());
      }
    }
    boolean edit = item.isEdit();
    return new Conversations.Turn(
        item.id(),
        attempt,
        item.tenant(),
        edit ? item.edit().baseAttempt() : null,
        edit ? item.edit().turn() : 0,
        model,
        modelServed,
        request.prompt(),
        // an edit sends images only when it starts a fresh conversation from a stored image
        request.references().size(),
        Json.mapper().writeValueAsString(parts),
        imageKey,
        sidecarKey,
        Json.mapper().writeValueAsString(altText),
        caption,
        at);
  }
}
