package io.catalogimage.worker.provider;

/**
 * One non-thought part of a model's answer, kept as received so that an edit can send it back byte
 * for byte (reference §4, the echo rule): a text, or an image, with the opaque {@code
 * thoughtSignature} the model put on it (null when it had none).
 */
public record ModelPart(String text, String mimeType, byte[] image, String thoughtSignature) {

  /**
   * The bytes of an answer's final image part: not copied here, since the outcome holds them (in
   * the spool) and the kept turn stores them by object key.
   */
  public static final byte[] HELD_BY_OUTCOME = new byte[0];

  /** The answer's final image, whose bytes are the outcome's own image. */
  public static ModelPart finalImage(String mimeType, String thoughtSignature) {
    return new ModelPart(null, mimeType, HELD_BY_OUTCOME, thoughtSignature);
  }

  public boolean isFinalImage() {
    return image == HELD_BY_OUTCOME;
  }

  public boolean isImage() {
    return image != null;
  }
}
