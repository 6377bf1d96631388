package io.catalogimage.worker.alttext;

/** Where a locale's text came from. */
public enum Source {
  IMAGE_MODEL("image-model"),
  CAPTION_MODEL("caption-model"),
  MERCHANT("merchant");

  private final String wire;

  Source(String wire) {
    this.wire = wire;
  }

  /** As written in the sidecar and the manifest. */
  public String wire() {
    return wire;
  }
}
