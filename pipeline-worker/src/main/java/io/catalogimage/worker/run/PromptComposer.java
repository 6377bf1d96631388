package io.catalogimage.worker.run;

import io.catalogimage.worker.claim.ClaimedItem;

/**
 * The prompt actually sent: the product's prompt, the batch's style guide, and the request for
 * caption and alt text as one JSON object. The product prompt stays the first paragraph so that a
 * reader (or the simulator) can tell the subject from the instructions.
 */
final class PromptComposer {

  private PromptComposer() {}

  static String compose(ClaimedItem item) {
    if (item.isEdit()) {
      // the conversation carries the product and the style guide; the instruction comes first so
      // that the subject of the turn is the correction, and the alt text is asked for again
      return withAltTextRequest(item, new StringBuilder(item.edit().instruction().strip()));
    }
    StringBuilder prompt = new StringBuilder(item.prompt().strip());
    if (item.styleGuide() != null) {
      prompt.append("\n\nBrand style guide: ").append(item.styleGuide().strip());
    }
    return withAltTextRequest(item, prompt);
  }

  private static String withAltTextRequest(ClaimedItem item, StringBuilder prompt) {
    if (!item.altTextLocales().isEmpty()) {
      prompt
          .append("\n\nAfter the image, write one JSON object and nothing else: ")
          .append("{\"caption\": \"<one sentence describing the image>\", \"altText\": {");
      for (int i = 0; i < item.altTextLocales().size(); i++) {
        String locale = item.altTextLocales().get(i);
        prompt
            .append(i == 0 ? "" : ", ")
            .append('"')
            .append(locale)
            .append("\": \"<alt text in ")
            .append(locale)
            .append(">\"");
      }
      prompt
          .append("}} with alt text in each of these locales: ")
          .append(String.join(", ", item.altTextLocales()))
          .append('.');
      if (item.title() != null && !item.title().isBlank()) {
        prompt
            .append(" Name the product \"")
            .append(item.title().strip().replace('"', '\''))
            .append("\" in each; at most 125 characters; never \"image of\".");
      }
    }
    return prompt.toString();
  }

  /** A rough token count (4 characters a token) for reserving money before the call. */
  static int estimateTokens(String prompt) {
    return Math.max(1, prompt.length() / 4);
  }
}
