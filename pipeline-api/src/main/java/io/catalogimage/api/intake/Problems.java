package io.catalogimage.api.intake;

import io.catalogimage.api.problem.FieldProblem;
import io.catalogimage.api.problem.InvalidSubmission;
import java.util.ArrayList;
import java.util.List;

/** Collects what is wrong with a submission: all of it counted, the first {@code cap} listed. */
final class Problems {

  private final int cap;
  private final List<FieldProblem> listed = new ArrayList<>();
  private long total;

  Problems(int cap) {
    this.cap = cap;
  }

  private Long line;

  /** Problems added from now on are on this line of an upload. */
  void atLine(long number) {
    line = number;
  }

  /** Problems added from now on are about the whole upload, not one line. */
  void noLine() {
    line = null;
  }

  void add(String field, String message) {
    add(new FieldProblem(field, line, message));
  }

  void add(FieldProblem problem) {
    total++;
    if (listed.size() < cap) {
      listed.add(problem);
    }
  }

  boolean any() {
    return total > 0;
  }

  /** The problems listed so far (a feed run keeps them per row instead of refusing the feed). */
  List<FieldProblem> listed() {
    return List.copyOf(listed);
  }

  void throwIfAny() {
    if (any()) {
      throw new InvalidSubmission(List.copyOf(listed), total);
    }
  }
}
