package io.catalogimage.api.problem;

import java.util.List;
import org.springframework.http.HttpStatus;

/** A submission with problems; nothing of it was stored. */
public class InvalidSubmission extends ApiProblem {

  private final List<FieldProblem> problems;

  public InvalidSubmission(List<FieldProblem> problems, long totalCount) {
    super(
        HttpStatus.BAD_REQUEST,
        ProblemTypes.INVALID_SUBMISSION,
        "Invalid submission",
        describe(problems, totalCount));
    with("errors", problems);
    with("errorCount", totalCount);
    this.problems = List.copyOf(problems);
  }

  /** The problems listed (a caller may re-home them under its own field, e.g. {@code batch.}). */
  public List<FieldProblem> problems() {
    return problems;
  }

  private static String describe(List<FieldProblem> problems, long total) {
    String first =
        problems.isEmpty() ? "" : ": " + location(problems.get(0)) + problems.get(0).message();
    String more = total > 1 ? " (and " + (total - 1) + " more, listed in errors)" : "";
    return "the submission was rejected and nothing was stored" + first + more;
  }

  private static String location(FieldProblem p) {
    String where = p.line() != null ? "line " + p.line() : "";
    if (p.field() != null) {
      where = where.isEmpty() ? p.field() : where + ", " + p.field();
    }
    return where.isEmpty() ? "" : where + ": ";
  }
}
