package io.catalogimage.worker.provider;

/**
 * One non-thought part of a model's answer, kept as received so that an edit can send it back byte
 * for byte (reference §4, the echo rule): a text, or an image, with the opaque {@code
 * thoughtSignature} the model put on it (null when it had none).
 */
public record ModelPart(String text, String mimeType, byte[] image, String thoughtSignature) {

  public boolean isImage() {
    return image != null;
  }
}
