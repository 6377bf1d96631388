package io.catalogimage.simulator.gemini;

/**
 * A validated generateContent request, reduced to what the simulator uses.
 *
 * @param prompt the last user turn's text parts, joined by blank lines
 * @param promptTextTokens estimated tokens of all text in {@code contents}
 * @param inputImages inline or file image parts in {@code contents}
 * @param wantText TEXT among responseModalities (default: TEXT and IMAGE)
 * @param wantImage IMAGE among responseModalities
 * @param imageSize the size to serve (default 1K)
 * @param aspectRatio the ratio to serve (default 1:1)
 * @param includeThoughts thinkingConfig.includeThoughts
 * @param conversation every user turn's text, in order: what the image depends on, so that an edit
 *     (a later turn) looks different from the image before it
 * @param turns user turns in {@code contents} (1 for a first request, more for an edit)
 */
record GeminiRequest(
    String prompt,
    int promptTextTokens,
    int inputImages,
    boolean wantText,
    boolean wantImage,
    String imageSize,
    String aspectRatio,
    boolean includeThoughts,
    String conversation,
    int turns) {

  /** Rough tokens of a text: ~4 characters per token, at least 1 for non-empty text. */
  static int tokens(String text) {
    return text.isEmpty() ? 0 : Math.max(1, (text.length() + 3) / 4);
  }
}
