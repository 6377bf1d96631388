package io.catalogimage.local.config;

import io.catalogimage.common.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import tools.jackson.databind.JsonNode;

/**
 * The settings an application answers to, read from the configuration metadata its build generates
 * (and Spring Boot's own), so that a typo in a configuration file, a compose file or a Kubernetes
 * manifest is found instead of silently ignored. A name is known when it is a property, or lies
 * under a property whose type takes it: a map key, a list index, a component of a record.
 */
public final class KnownProperties {

  /** The two applications; the metadata of the other one is not theirs. */
  public enum App {
    API("pipeline-api"),
    WORKER("pipeline-worker");

    private final Pattern artifact;

    App(String module) {
      // the module's classes in the reactor, or its jar (nested in the local-mode jar too)
      this.artifact = Pattern.compile(Pattern.quote(module) + "(/target/|-[^/!]*\\.jar)");
    }

    boolean owns(String metadataUrl) {
      return artifact.matcher(metadataUrl).find();
    }
  }

  private final Map<ConfigurationPropertyName, TypeRef> properties;

  private KnownProperties(Map<ConfigurationPropertyName, TypeRef> properties) {
    this.properties = properties;
  }

  /** What any of {@code apps} answers to (a file given to both: the union). */
  public static KnownProperties of(App... apps) {
    Set<App> wanted = EnumSet.noneOf(App.class);
    wanted.addAll(List.of(apps));
    Map<ConfigurationPropertyName, TypeRef> properties = new LinkedHashMap<>();
    try {
      ClassLoader loader = KnownProperties.class.getClassLoader();
      for (URL url :
          Collections.list(loader.getResources("META-INF/spring-configuration-metadata.json"))) {
        String where = url.toString();
        boolean foreign =
            EnumSet.complementOf(EnumSet.copyOf(wanted)).stream().anyMatch(a -> a.owns(where));
        if (foreign) {
          continue;
        }
        JsonNode root;
        try (InputStream in = url.openStream()) {
          root = Json.mapper().readTree(in);
        }
        for (JsonNode property : root.path("properties")) {
          ConfigurationPropertyName name =
              ConfigurationPropertyName.adapt(property.path("name").asString(), '.');
          properties.putIfAbsent(name, TypeRef.parse(property.path("type").asString(""), loader));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not read configuration metadata", e);
    }
    return new KnownProperties(properties);
  }

  /**
   * A property name as a file writes it: {@code pipeline.budgets.models[x].requests-per-minute}.
   */
  public boolean knows(String property) {
    return knowsAdapted(ConfigurationPropertyName.adapt(property, '.'));
  }

  /**
   * An environment variable, mapped the way Spring maps it: {@code PIPELINE_WORKER_MAXINFLIGHT} is
   * {@code pipeline.worker.max-in-flight} (dashes dropped), {@code _0_} an index.
   */
  public boolean knowsVariable(String variable) {
    String dotted =
        variable
            .toLowerCase(Locale.ROOT)
            .replaceAll("_(\\d+)_", "[$1].")
            .replaceAll("_(\\d+)$", "[$1]");
    return knowsAdapted(ConfigurationPropertyName.adapt(dotted.replace('_', '.'), '.'));
  }

  private boolean knowsAdapted(ConfigurationPropertyName name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int length = name.getNumberOfElements(); length > 0; length--) {
      ConfigurationPropertyName prefix = name.chop(length);
      for (var e : properties.entrySet()) {
        if (sameElements(e.getKey(), prefix)) {
          if (e.getValue().takes(rest(name, length))) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static boolean sameElements(ConfigurationPropertyName a, ConfigurationPropertyName b) {
    if (a.getNumberOfElements() != b.getNumberOfElements()) {
      return false;
    }
    for (int i = 0; i < a.getNumberOfElements(); i++) {
      if (!uniform(a, i).equals(uniform(b, i))) {
        return false;
      }
    }
    return true;
  }

  private static String uniform(ConfigurationPropertyName name, int i) {
    return name.getElement(i, ConfigurationPropertyName.Form.UNIFORM).replace("_", "");
  }

  private static List<String> rest(ConfigurationPropertyName name, int from) {
    List<String> rest = new ArrayList<>();
    for (int i = from; i < name.getNumberOfElements(); i++) {
      rest.add(uniform(name, i));
    }
    return rest;
  }

  /** A property's declared type, enough of it to tell which names lie beneath it. */
  private record TypeRef(Class<?> raw, List<TypeRef> args) {

    static final TypeRef UNKNOWN = new TypeRef(Object.class, List.of());

    static TypeRef parse(String text, ClassLoader loader) {
      if (text.isBlank()) {
        return UNKNOWN;
      }
      return new Parser(text, loader).type();
    }

    static TypeRef of(Type type) {
      if (type instanceof Class<?> c) {
        return new TypeRef(c, List.of());
      }
      if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
        List<TypeRef> args = new ArrayList<>();
        for (Type a : p.getActualTypeArguments()) {
          args.add(of(a));
        }
        return new TypeRef(raw, args);
      }
      if (type instanceof GenericArrayType a) {
        return new TypeRef(Object[].class, List.of(of(a.getGenericComponentType())));
      }
      return UNKNOWN;
    }

    /** True when the names {@code rest} (uniform form) lie under a property of this type. */
    boolean takes(List<String> rest) {
      if (rest.isEmpty()) {
        return true;
      }
      if (raw == Object.class) {
        return false;
      }
      if (Map.class.isAssignableFrom(raw)) {
        TypeRef value = args.size() == 2 ? args.get(1) : UNKNOWN;
        // a map of plain values: its keys may themselves contain dots (kafka.properties.*)
        return !value.structured() || value.takes(rest.subList(1, rest.size()));
      }
      if (Collection.class.isAssignableFrom(raw) || raw.isArray()) {
        TypeRef element = args.isEmpty() ? UNKNOWN : args.get(0);
        return rest.get(0).matches("\\d+") && element.takes(rest.subList(1, rest.size()));
      }
      if (raw.isRecord()) {
        for (RecordComponent c : raw.getRecordComponents()) {
          if (c.getName().toLowerCase(Locale.ROOT).equals(rest.get(0))) {
            return of(c.getGenericType()).takes(rest.subList(1, rest.size()));
          }
        }
      }
      return false;
    }

    boolean structured() {
      return raw.isRecord()
          || Map.class.isAssignableFrom(raw)
          || Collection.class.isAssignableFrom(raw);
    }
  }

  /** Reads {@code java.util.Map<java.lang.String,a.b.C$D>}. */
  private static final class Parser {
    private final String text;
    private final ClassLoader loader;
    private int at;

    Parser(String text, ClassLoader loader) {
      this.text = text.replace(" ", "");
      this.loader = loader;
    }

    TypeRef type() {
      int start = at;
      while (at < text.length() && "<>,".indexOf(text.charAt(at)) < 0) {
        at++;
      }
      String name = text.substring(start, at);
      List<TypeRef> args = new ArrayList<>();
      if (at < text.length() && text.charAt(at) == '<') {
        at++;
        args.add(type());
        while (at < text.length() && text.charAt(at) == ',') {
          at++;
          args.add(type());
        }
        at++; // '>'
      }
      boolean array = name.endsWith("[]");
      Class<?> raw = load(array ? name.substring(0, name.length() - 2) : name);
      if (raw == null) {
        return TypeRef.UNKNOWN;
      }
      return array
          ? new TypeRef(Object[].class, List.of(new TypeRef(raw, args)))
          : new TypeRef(raw, args);
    }

    private Class<?> load(String name) {
      try {
        return Class.forName(name, false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        return null;
      }
    }
  }
}
