package io.catalogimage.cli;

import tools.jackson.databind.JsonNode;

/**
 * The api's RFC 9457 problems, told in words: what is wrong and where (line numbers of uploads).
 */
final class Problems {

  private Problems() {}

  /**
   * E.g. {@code 400 Invalid submission (invalid-submission)} then the detail, then one line per
   * problem: {@code catalog.csv line 3: sku: must not be blank}.
   *
   * @param source the uploaded file's name, to prefix line numbers with; null for other requests
   */
  static String describe(int status, JsonNode problem, String source) {
    StringBuilder text = new StringBuilder();
    if (problem == null || !problem.isObject()) {
      text.append("the api answered ").append(status);
      if (problem != null) {
        String body = problem.asString("").strip();
        text.append(": ").append(body.length() > 300 ? body.substring(0, 300) + "..." : body);
      }
      return text.toString();
    }
    String type = problem.path("type").asString("");
    String kind = type.substring(type.lastIndexOf('/') + 1);
    text.append(status)
        .append(' ')
        .append(problem.path("title").asString("error"))
        .append(kind.isEmpty() ? "" : " (" + kind + ")");
    String detail = problem.path("detail").asString("");
    JsonNode errors = problem.path("errors");
    if (!errors.isEmpty()
        && detail.contains(errors.get(0).path("message").asString("\u0000"))
        && detail.contains(": ")) {
      // the detail repeats the first problem, listed below anyway: keep its summary
      detail = detail.substring(0, detail.indexOf(": "));
    }
    if (!detail.isBlank()) {
      text.append("\n  ").append(detail);
    }
    for (JsonNode e : errors) {
      text.append("\n  ").append(where(e, source)).append(e.path("message").asString(""));
    }
    long total = problem.path("errorCount").asLong(errors.size());
    if (total > errors.size()) {
      text.append("\n  ... ")
          .append(total - errors.size())
          .append(" more (")
          .append(total)
          .append(" problems in all; the api lists the first ")
          .append(errors.size())
          .append(')');
    }
    for (String extra : new String[] {"parameter", "batchId"}) {
      if (problem.has(extra) && !detail.contains(problem.path(extra).asString())) {
        text.append("\n  ").append(extra).append(": ").append(problem.path(extra).asString());
      }
    }
    return text.toString();
  }

  private static String where(JsonNode error, String source) {
    StringBuilder where = new StringBuilder();
    if (error.hasNonNull("line")) {
      where
          .append(source == null ? "line " : source + " line ")
          .append(error.path("line").asLong());
    }
    String field = error.path("field").asString("");
    if (!field.isEmpty()) {
      where.append(where.isEmpty() ? "" : ", ").append(field);
    }
    return where.isEmpty() ? "" : where + ": ";
  }
}
