package io.catalogimage.local.config;

import io.catalogimage.common.budget.BudgetProperties;
import io.catalogimage.common.budget.ModelBudget;
import io.catalogimage.common.catalog.CatalogProperties;
import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.worker.provider.ProviderProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.boot.env.PropertySourceLoader;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.FileSystemResource;

/**
 * A configuration file for both apps ({@code ./pipeline up --config pipeline.yml}, or the jars'
 * {@code --spring.config.additional-location}), read the way they will read it: the environment
 * first, then the file, with {@code ${GEMINI_API_KEY}} placeholders resolved from the environment.
 * Checked before anything starts: unknown settings, settings that do not bind, and which provider
 * endpoints it names and which of them have a key.
 */
public final class LocalConfigFile {

  /** Settings the local mode gives both apps itself: it runs its own servers. */
  private static final List<String> LOCAL_MODE_SETS =
      List.of(
          "spring.datasource.",
          "spring.kafka.bootstrap-servers",
          "pipeline.storage.endpoint",
          "pipeline.storage.access-key",
          "pipeline.storage.secret-key",
          "pipeline.storage.bucket",
          "server.port",
          "pipeline.security.admin-token",
          "pipeline.security.bootstrap-key",
          "pipeline.worker.id");

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)(:[^}]*)?}");

  private final Path path;
  private final List<EnumerablePropertySource<?>> documents;
  private final Binder binder;

  private LocalConfigFile(Path path, List<EnumerablePropertySource<?>> documents, Binder binder) {
    this.path = path;
    this.documents = documents;
    this.binder = binder;
  }

  /** Reads a YAML or properties file; the environment is this process's. */
  public static LocalConfigFile load(Path path) {
    return load(path, System.getenv());
  }

  /** As {@link #load(Path)}, with the environment given (tests). */
  public static LocalConfigFile load(Path path, Map<String, String> environment) {
    Path file = path.toAbsolutePath().normalize();
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no configuration file " + file);
    }
    String name = file.getFileName().toString();
    PropertySourceLoader loader =
        name.endsWith(".properties")
            ? new PropertiesPropertySourceLoader()
            : new YamlPropertySourceLoader();
    List<EnumerablePropertySource<?>> documents = new ArrayList<>();
    try {
      for (PropertySource<?> document : loader.load(name, new FileSystemResource(file))) {
        documents.add((EnumerablePropertySource<?>) document);
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(file + " is not valid: " + e.getMessage(), e);
    }
    StandardEnvironment env = new StandardEnvironment();
    MutablePropertySources sources = env.getPropertySources();
    sources.replace(
        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
        new org.springframework.core.env.SystemEnvironmentPropertySource(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.copyOf(environment)));
    documents.forEach(sources::addLast);
    ConfigurationPropertySources.attach(env);
    return new LocalConfigFile(file, List.copyOf(documents), Binder.get(env));
  }

  public Path path() {
    return path;
  }

  /** Every setting the file writes, in its own spelling. */
  public List<String> settings() {
    Set<String> names = new LinkedHashSet<>();
    documents.forEach(d -> names.addAll(List.of(d.getPropertyNames())));
    return List.copyOf(names);
  }

  private Object rawValue(String setting) {
    for (EnumerablePropertySource<?> d : documents) {
      if (d.containsProperty(setting)) {
        return d.getProperty(setting);
      }
    }
    return null;
  }

  /** Settings of the file that neither app answers to (typos, or a setting of another version). */
  public List<String> unknownSettings(KnownProperties known) {
    return settings().stream().filter(s -> !known.knows(s)).toList();
  }

  /** Settings of the file that the local mode sets itself, so they have no effect under it. */
  public List<String> ignoredInLocalMode() {
    return settings().stream()
        .filter(s -> LOCAL_MODE_SETS.stream().anyMatch(s::startsWith))
        .toList();
  }

  /**
   * Binds the settings the file is for (providers, budgets, tiers), as the apps will at start, so a
   * bad value stops here with the apps' own message.
   *
   * @throws IllegalArgumentException naming the setting and why
   */
  public void validate() {
    try {
      providers();
      binder.bindOrCreate("pipeline.budgets", BudgetProperties.class);
      binder.bindOrCreate("pipeline.catalog", CatalogProperties.class);
    } catch (BindException e) {
      Throwable cause = e;
      while (cause.getCause() != null) {
        cause = cause.getCause();
      }
      throw new IllegalArgumentException(
          path.getFileName() + ": " + e.getName() + ": " + cause.getMessage(), e);
    }
  }

  /** True when the file (or the environment) names provider endpoints of its own. */
  public boolean namesEndpoints() {
    return binder
        .bind("pipeline.providers.endpoints", Bindable.mapOf(String.class, Object.class))
        .map(m -> !m.isEmpty())
        .orElse(false);
  }

  /** The endpoints the worker will have, keys resolved from the environment. */
  public ProviderProperties providers() {
    return binder.bindOrCreate("pipeline.providers", ProviderProperties.class);
  }

  /** The budgets both apps will have. */
  public BudgetProperties budgets() {
    return binder.bindOrCreate("pipeline.budgets", BudgetProperties.class);
  }

  /** The tiers both apps will have. */
  public CatalogProperties catalog() {
    return binder.bindOrCreate("pipeline.catalog", CatalogProperties.class);
  }

  /** The names of environment variables the file's {@code ${...}} placeholders read. */
  public Set<String> placeholderVariables() {
    Set<String> names = new LinkedHashSet<>();
    for (String setting : settings()) {
      Matcher m = PLACEHOLDER.matcher(String.valueOf(rawValue(setting)));
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /** One endpoint as the start banner shows it. */
  public record EndpointSummary(
      String name,
      String protocol,
      String baseUrl,
      boolean hasKey,
      String keyVariable,
      List<String> models) {

    /** E.g. {@code google gemini https://... key from GEMINI_API_KEY serves: a, b}. */
    public String describe() {
      String key;
      if (hasKey) {
        key = keyVariable == null ? "key set" : "key from " + keyVariable;
      } else {
        key =
            (keyVariable == null ? "no api-key" : "no key (" + keyVariable + " is not set)")
                + ": NOT USED";
      }
      return String.format(
          "%-10s %-7s %-48s %s%s",
          name, protocol, baseUrl, key, hasKey ? "; serves " + String.join(", ", models) : "");
    }
  }

  /** Every endpoint, usable or not, with the models it would serve from the catalog. */
  public List<EndpointSummary> endpointSummaries(ModelCatalog catalog) {
    List<EndpointSummary> out = new ArrayList<>();
    providers()
        .endpoints()
        .forEach(
            (name, e) -> {
              List<String> models =
                  !e.models().isEmpty()
                      ? e.models()
                      : catalog.models().stream()
                          .filter(m -> m.family().equals(e.protocol()))
                          .map(ImageModel::id)
                          .toList();
              out.add(
                  new EndpointSummary(
                      name,
                      e.protocol(),
                      e.baseUrl().toString(),
                      e.hasApiKey(),
                      keyVariable(name),
                      models));
            });
    return out;
  }

  /** The environment variable a placeholder in the file's {@code api-key} names, if any. */
  private String keyVariable(String endpoint) {
    for (String key : settings()) {
      String normalized = key.replace("[", ".").replace("]", "").replace("apiKey", "api-key");
      if (normalized.equals("pipeline.providers.endpoints." + endpoint + ".api-key")) {
        Matcher m = PLACEHOLDER.matcher(String.valueOf(rawValue(key)));
        return m.find() ? m.group(1) : null;
      }
    }
    return null;
  }

  /**
   * Tiers naming models that no endpoint with a key serves, e.g. {@code tier 'openai':
   * gpt-image-1.5}: a batch of that tier would wait for an endpoint that is not there.
   */
  public List<String> tiersWithoutEndpoints(ModelCatalog catalog) {
    Set<String> served = new LinkedHashSet<>();
    endpointSummaries(catalog).stream()
        .filter(EndpointSummary::hasKey)
        .forEach(e -> served.addAll(e.models()));
    List<String> out = new ArrayList<>();
    binder
        .bindOrCreate("pipeline.catalog", CatalogProperties.class)
        .tiers()
        .forEach(
            (tier, chain) -> {
              List<String> missing = chain.stream().filter(m -> !served.contains(m)).toList();
              if (!missing.isEmpty()) {
                out.add("tier '" + tier + "': " + String.join(", ", missing));
              }
            });
    out.sort(null);
    return out;
  }

  /** Models of each tier, in order ({@code fast = a > b}). */
  public List<String> tierSummaries() {
    List<String> out = new ArrayList<>();
    binder
        .bindOrCreate("pipeline.catalog", CatalogProperties.class)
        .tiers()
        .forEach((tier, chain) -> out.add(tier + " = " + String.join(" > ", chain)));
    out.sort(null);
    return out;
  }

  /** The budgets configured per model, e.g. {@code gemini-3.1-flash-image: 300/min, 10000/day}. */
  public List<String> budgetSummaries() {
    BudgetProperties budgets = binder.bindOrCreate("pipeline.budgets", BudgetProperties.class);
    List<String> out = new ArrayList<>();
    budgets
        .models()
        .forEach(
            (model, own) -> {
              ModelBudget b = budgets.forModel(model);
              List<String> parts = new ArrayList<>();
              if (b.requestsPerMinute() != null) {
                parts.add(b.requestsPerMinute() + "/min");
              }
              if (b.peakRequestsPerMinute() != null) {
                parts.add(b.peakRequestsPerMinute() + "/min at peak");
              }
              if (b.requestsPerDay() != null) {
                parts.add(b.requestsPerDay() + "/day");
              }
              out.add(model + ": " + (parts.isEmpty() ? "not paced" : String.join(", ", parts)));
            });
    out.sort(null);
    return out;
  }
}
