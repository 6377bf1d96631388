package io.catalogimage.api.problem;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One thing wrong with a submission: where (a field path like {@code items[3].sku}, and for uploads
 * the line number) and what.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FieldProblem(String field, Long line, String message) {

  public static FieldProblem at(String field, String message) {
    return new FieldProblem(field, null, message);
  }
}
