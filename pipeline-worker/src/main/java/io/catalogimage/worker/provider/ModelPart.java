package io.catalogimage.worker.provider;

import io.catalogimage.worker.result.ResultSpool;

/**
 * One non-thought part of a model's answer, kept as received so that an edit can send it back byte
 * for byte (reference §4, the echo rule): a text, or an image, with the opaque {@code
 * thoughtSignature} the model put on it (null when it had none).
 *
 * <p>An image's bytes are either inline ({@code image}: a part the answer carried besides its final
 * image, small, kept in the conversation's row) or, for an image read back from storage to replay
 * it, {@code stored}: copied from the object into the spool (memory chunks or a file) and spliced
 * from there into the edit's body, never one array. A part with {@code stored} holds a place in the
 * spool until {@link #release()}.
 */
public record ModelPart(
    String text, String mimeType, byte[] image, String thoughtSignature, ResultSpool.Held stored) {

  /**
   * The bytes of an answer's final image part: not copied here, since the outcome holds them (in
   * the spool) and the kept turn stores them by object key.
   */
  public static final byte[] HELD_BY_OUTCOME = new byte[0];

  /** A text part, or an image part whose bytes are inline. */
  public ModelPart(String text, String mimeType, byte[] image, String thoughtSignature) {
    this(text, mimeType, image, thoughtSignature, null);
  }

  /** A text part. */
  public static ModelPart text(String text, String thoughtSignature) {
    return new ModelPart(text, null, null, thoughtSignature, null);
  }

  /** An image read back from storage into the spool, for a replay. */
  public static ModelPart stored(String mimeType, ResultSpool.Held held, String thoughtSignature) {
    return new ModelPart(null, mimeType, null, thoughtSignature, held);
  }

  /** The answer's final image, whose bytes are the outcome's own image. */
  public static ModelPart finalImage(String mimeType, String thoughtSignature) {
    return new ModelPart(null, mimeType, HELD_BY_OUTCOME, thoughtSignature);
  }

  public boolean isFinalImage() {
    return image == HELD_BY_OUTCOME;
  }

  public boolean isImage() {
    return image != null || stored != null;
  }

  /** What a request body splices in for this image part, reopened on each send. */
  public SplicedBody.Source source() {
    if (stored != null) {
      return SplicedBody.Source.of(stored);
    }
    if (image == null) {
      throw new IllegalStateException("a text part has no image");
    }
    return SplicedBody.Source.of(image);
  }

  /**
   * Gives a stored image's place in the spool back (deletes its file); nothing for other parts.
   * Never throws: it runs on the answer's path.
   */
  public void release() {
    if (stored == null) {
      return;
    }
    try {
      stored.release();
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(ModelPart.class)
          .warn("could not release a replayed image: {}", e.toString());
    }
  }
}
