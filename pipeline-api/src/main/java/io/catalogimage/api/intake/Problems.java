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

  void add(String field, String message) {
    add(FieldProblem.at(field, message));
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

  void throwIfAny() {
    if (any()) {
      throw new InvalidSubmission(List.copyOf(listed), total);
    }
  }
}
