package io.catalogimage.worker.edit;

import io.catalogimage.common.edit.Conversations;
import io.catalogimage.common.json.Json;
import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ModelPart;
import io.catalogimage.worker.provider.PriorTurn;
import io.catalogimage.worker.reference.ReferenceImages;
import io.catalogimage.worker.result.ResultSpool;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
 * with exactly its bytes. An image read back is copied into the spool and streamed into the edit's
 * body from there, like a reference photo.
 */
@Component
public class ConversationTurns {

  private final Conversations conversations;
  private final ObjectStore store;
  private final ReferenceImages referenceImages;
  private final ResultSpool spool;

  /**
   * @param spool where images read back from storage wait while their edit's call is in flight
   *     (counted in its byte budget, like reference photos)
   */
  public ConversationTurns(
      Conversations conversations,
      ObjectStore store,
      ReferenceImages referenceImages,
      ResultSpool spool) {
    this.conversations = conversations;
    this.store = store;
    this.referenceImages = referenceImages;
    this.spool = spool;
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
    try {
      for (Conversations.Turn t : chain) {
        List<ModelPart> parts = modelParts(t); // releases what it spooled if it fails
        if (!t.conversationKept()) {
          // an image alone: the turn after it started a fresh conversation with it
          turns.forEach(PriorTurn::release);
          turns.clear();
          carried.forEach(GenerationRequest.ReferenceImage::release);
          ModelPart image = parts.get(0);
          parts.subList(1, parts.size()).forEach(ModelPart::release);
          carried = List.of(asPhoto(image));
          continue;
        }
        List<GenerationRequest.ReferenceImage> photos = List.of();
        try {
          if (!carried.isEmpty()) {
            photos = carried;
          } else if (t.referenceImages() > 0 && item.referenceImage() != null) {
            ReferenceImages.Fetched f = referenceImages.fetch(item.tenant(), item.referenceImage());
            if (f instanceof ReferenceImages.Image image) {
              photos = List.of(image.image());
            }
          }
        } catch (RuntimeException e) {
          parts.forEach(ModelPart::release);
          throw e;
        }
        carried = List.of();
        turns.add(new PriorTurn(t.requestText(), photos, parts));
      }
    } catch (RuntimeException e) {
      // no request will release them
      turns.forEach(PriorTurn::release);
      carried.forEach(GenerationRequest.ReferenceImage::release);
      throw e;
    }
    return new Replay(turns, carried);
  }

  /** An image the next user turn carries: the same place in the spool when it was stored. */
  private static GenerationRequest.ReferenceImage asPhoto(ModelPart image) {
    return image.stored() != null
        ? new GenerationRequest.ReferenceImage(image.mimeType(), image.stored())
        : GenerationRequest.ReferenceImage.of(image.mimeType(), image.image());
  }

  /**
   * The kept turn's parts; an image kept by object key is copied from the store into the spool as
   * it is read (memory chunks, a file beyond the per-image limit), never into one array: the edit's
   * body splices it from there. On failure, what was already spooled is given back.
   */
  private List<ModelPart> modelParts(Conversations.Turn t) {
    List<ModelPart> parts = new ArrayList<>();
    try {
      for (JsonNode p : Json.mapper().readTree(t.modelPartsJson())) {
        String signature =
            p.hasNonNull("thoughtSignature") ? p.get("thoughtSignature").asString() : null;
        if (p.hasNonNull("text")) {
          parts.add(ModelPart.text(p.get("text").asString(), signature));
          continue;
        }
        String mimeType = p.get("mimeType").asString();
        if (p.hasNonNull("imageKey")) {
          parts.add(ModelPart.stored(mimeType, spooled(p.get("imageKey").asString()), signature));
        } else {
          // an extra image part of the answer: small, kept inline in the turn's row
          byte[] bytes = Base64.getDecoder().decode(p.get("data").asString());
          parts.add(new ModelPart(null, mimeType, bytes, signature));
        }
      }
    } catch (RuntimeException e) {
      parts.forEach(ModelPart::release);
      throw e;
    }
    return parts;
  }

  private ResultSpool.Held spooled(String key) {
    InputStream object =
        store
            .open(key)
            .orElseThrow(() -> new Unreplayable("the image " + key + " is gone from storage"));
    try (InputStream in = object;
        ResultSpool.Receiving image = spool.receive()) {
      in.transferTo(image);
      return image.finish();
    } catch (IOException e) {
      throw new UncheckedIOException("the image " + key + " could not be read back", e);
    }
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
