package io.catalogimage.worker.alttext;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One locale's alt text with where it came from and what the checks said.
 *
 * @param text the alt text, or null when none is there
 * @param source {@code image-model}, {@code caption-model} or {@code merchant}
 * @param checks check name -> {@code passed}, {@code failed} or {@code skipped} (could not be run,
 *     e.g. a language the detector does not know)
 * @param problems why the failed checks failed, in words
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record CheckedText(
    String text, String source, Map<String, String> checks, Map<String, String> problems) {

  public static final String PASSED = "passed";
  public static final String FAILED = "failed";
  public static final String SKIPPED = "skipped";

  public CheckedText {
    checks = checks == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(checks));
    problems =
        problems == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(problems));
  }

  /** True when no check failed (skipped checks do not count against it). */
  public boolean passed() {
    return text != null && !checks.containsValue(FAILED);
  }
}
