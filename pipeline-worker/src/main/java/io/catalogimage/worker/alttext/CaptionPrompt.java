package io.catalogimage.worker.alttext;

import java.util.List;

/**
 * The instruction sent with the final image to a caption model. The product prompt goes first (as
 * for the image model) so the model knows what the product is called; then what to write, the same
 * JSON shape the image model is asked for, only for the locales still missing.
 */
public final class CaptionPrompt {

  private CaptionPrompt() {}

  public static String compose(
      String productPrompt, String title, List<String> locales, int maxLength, boolean caption) {
    StringBuilder p = new StringBuilder(productPrompt == null ? "" : productPrompt.strip());
    p.append(
            "\n\nDescribe the attached product image for shoppers who cannot see it. Write one JSON")
        .append(" object and nothing else: {")
        .append(caption ? "\"caption\": \"<one sentence>\", " : "")
        .append("\"altText\": {");
    for (int i = 0; i < locales.size(); i++) {
      p.append(i == 0 ? "" : ", ")
          .append('"')
          .append(locales.get(i))
          .append("\": \"<alt text in ")
          .append(locales.get(i))
          .append(">\"");
    }
    p.append("}} with alt text in each of these locales: ")
        .append(String.join(", ", locales))
        .append('.');
    if (title != null && !title.isBlank()) {
      p.append(" Name the product \"")
          .append(title.strip().replace('"', '\''))
          .append("\" in each;");
    }
    p.append(" each in its locale's language, at most ")
        .append(maxLength)
        .append(" characters, describing what the image shows; never \"image of\".");
    return p.toString();
  }
}
