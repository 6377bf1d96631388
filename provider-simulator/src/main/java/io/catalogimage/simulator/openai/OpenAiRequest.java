package io.catalogimage.simulator.openai;

/**
 * A validated images request.
 *
 * @param edit true for /v1/images/edits
 * @param model model id
 * @param prompt prompt text
 * @param n images to return
 * @param size the size echoed in the response ("auto" resolved to 1024x1024)
 * @param quality low, medium or high ("auto" resolved to high)
 * @param outputFormat png or jpeg
 * @param background opaque or transparent ("auto" resolved to opaque)
 * @param inputImages reference images of an edit
 */
record OpenAiRequest(
    boolean edit,
    String model,
    String prompt,
    int n,
    String size,
    String quality,
    String outputFormat,
    String background,
    int inputImages) {

  static int tokens(String text) {
    return text.isEmpty() ? 0 : Math.max(1, (text.length() + 3) / 4);
  }
}
