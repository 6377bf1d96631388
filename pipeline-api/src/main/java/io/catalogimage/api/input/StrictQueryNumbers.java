package io.catalogimage.api.input;

import java.beans.PropertyEditorSupport;
import java.util.regex.Pattern;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;

/**
 * A whole-number query parameter is decimal digits, with a minus sign at most. Spring's own
 * conversion also reads {@code 0x10} and {@code #10} as 16 and trims spaces: a value the api does
 * not mean, taken as one it does. A value that is not a number answers the api's "must be a whole
 * number" problem (ProblemHandler); an empty one stays absent, as before. A binder's editor, not a
 * converter: when a converter refuses, Spring falls back to its default editor, which takes hex.
 */
@ControllerAdvice
class StrictQueryNumbers {

  private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+");

  @InitBinder
  void strictWholeNumbers(WebDataBinder binder) {
    binder.registerCustomEditor(Integer.class, new StrictInteger());
    binder.registerCustomEditor(int.class, new StrictInteger());
  }

  private static final class StrictInteger extends PropertyEditorSupport {
    @Override
    public void setAsText(String text) {
      if (text == null || text.isEmpty()) {
        setValue(null);
        return;
      }
      if (!DECIMAL.matcher(text).matches()) {
        throw new IllegalArgumentException("not a decimal whole number: " + text);
      }
      setValue(Integer.valueOf(text));
    }
  }
}
