package io.catalogimage.worker.provider;

import java.util.List;

/**
 * An earlier turn of an item's conversation, replayed before an edit's instruction: what was asked
 * (text and product photos) and what the model answered (its non-thought parts with their
 * signatures, unchanged and in order).
 */
public record PriorTurn(
    String userText, List<GenerationRequest.ReferenceImage> userImages, List<ModelPart> model) {

  public PriorTurn {
    userImages = List.copyOf(userImages);
    model = List.copyOf(model);
  }

  /** The image the turn ended with (the last image part). */
  public ModelPart lastImage() {
    for (int i = model.size() - 1; i >= 0; i--) {
      if (model.get(i).isImage()) {
        return model.get(i);
      }
    }
    throw new IllegalStateException("a kept turn always has an image");
  }

  /** Gives back the spool places of its photos and of its images read back from storage. */
  public void release() {
    userImages.forEach(GenerationRequest.ReferenceImage::release);
    model.forEach(ModelPart::release);
  }
}
