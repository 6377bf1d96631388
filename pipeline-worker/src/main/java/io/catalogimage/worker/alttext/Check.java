package io.catalogimage.worker.alttext;

/** The checks a locale's alt text goes through, by the name the sidecar records. */
public enum Check {
  PRESENT("present"),
  LANGUAGE("language"),
  LENGTH("length"),
  NO_BOILERPLATE("no-boilerplate"),
  NO_PROMPT_LEAK("no-prompt-leak"),
  NAMES_PRODUCT("names-product");

  private final String wire;

  Check(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }
}
