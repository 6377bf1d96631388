package io.catalogimage.api.input;

import java.util.Optional;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.KeyDeserializer;
import tools.jackson.databind.deser.jdk.StringDeserializer;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.module.SimpleModule;

/**
 * Every JSON string the api reads (values, map keys, list elements, attribute values of any type)
 * is checked by {@link StrictText}: a NUL or an unpaired surrogate written as an escape is a 400
 * naming the field, not text altered on its way into the database.
 */
public final class StrictTextModule extends SimpleModule {

  /** A JSON string that cannot be stored as sent; the message says why. */
  public static final class RefusedText extends MismatchedInputException {
    RefusedText(JsonParser p, String why) {
      super(p, why, String.class);
    }
  }

  public StrictTextModule() {
    super("strict-text");
    addDeserializer(String.class, new Strings());
    addKeyDeserializer(String.class, new Keys());
  }

  private static final class Strings extends StringDeserializer {
    @Override
    public String deserialize(JsonParser p, DeserializationContext ctxt) {
      String value = super.deserialize(p, ctxt);
      Optional<String> problem = StrictText.problem(value);
      if (problem.isPresent()) {
        throw new RefusedText(p, problem.get());
      }
      return value;
    }
  }

  private static final class Keys extends KeyDeserializer {
    @Override
    public Object deserializeKey(String key, DeserializationContext ctxt) {
      Optional<String> problem = StrictText.problem(key);
      if (problem.isPresent()) {
        throw new RefusedText(
            ctxt.getParser(), "the name '" + key.replace('\0', ' ') + "' " + problem.get());
      }
      return key;
    }
  }
}
