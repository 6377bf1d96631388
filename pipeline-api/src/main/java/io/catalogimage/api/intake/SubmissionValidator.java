package io.catalogimage.api.intake;

import io.catalogimage.api.input.Ranges;
import io.catalogimage.api.input.StrictText;
import io.catalogimage.api.intake.SubmitBatchRequest.ProductRequest;
import io.catalogimage.api.intake.SubmitBatchRequest.VariantRequest;
import io.catalogimage.api.webhook.CallbackUrls;
import io.catalogimage.common.batch.BatchSpec;
import io.catalogimage.common.batch.GenerationSettings;
import io.catalogimage.common.batch.ProductData;
import io.catalogimage.common.batch.ReferenceImageSource;
import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.catalog.Tiers;
import io.catalogimage.common.message.KafkaTopicsProperties;
import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.common.storage.ObjectKeys;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * Checks a submission completely before anything is stored, and reports every problem with the
 * field and item index it concerns.
 */
@Component
class SubmissionValidator {

  private static final int MAX_REFERENCE_URL = 2048;
  private static final int MAX_REFERENCE_KEY = 1024;

  /** Names of variants and of variant presets. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  static final String NAME_RULE =
      "must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit";
  private static final Pattern LOCALE = Pattern.compile("[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*");
  private static final int MAX_SKU = 128;
  private static final int MAX_TITLE = 500;
  private static final int MAX_DESCRIPTION = 5_000;
  private static final int MAX_NAME = 200;
  private static final int MAX_STYLE_GUIDE = 20_000;
  private static final int MAX_ATTRIBUTES = 100;
  static final int MAX_ATTRIBUTE_NAME = 100;
  static final int MAX_ATTRIBUTE_VALUE = 1_000;
  static final int MAX_PROMPT_TEMPLATE = 5_000;
  private static final int MAX_LOCALE = 35;

  private final Tiers tiers;
  private final ModelCatalog catalog;
  private final IntakeProperties limits;

  private final KafkaTopicsProperties topics;
  private final Clock clock;
  private final CallbackUrls callbackUrls;

  private final BatchLaneChooser lanes;

  SubmissionValidator(
      Tiers tiers,
      ModelCatalog catalog,
      IntakeProperties limits,
      KafkaTopicsProperties topics,
      Clock clock,
      CallbackUrls callbackUrls,
      BatchLaneChooser lanes) {
    this.lanes = lanes;
    this.callbackUrls = callbackUrls;
    this.topics = topics;
    this.clock = clock;
    this.tiers = tiers;
    this.catalog = catalog;
    this.limits = limits;
  }

  ValidSubmission validate(SubmitBatchRequest req) {
    return validate(req, false);
  }

  /**
   * The batch options of an upload, whose rows follow in the body (see {@link #rows}): everything
   * is checked but the items, which the answer leaves empty.
   */
  ValidSubmission validateOptions(SubmitBatchRequest req) {
    return validate(req, true);
  }

  /**
   * Checks upload rows one at a time against the batch's options: what a row needs to be stored.
   */
  final class Rows {
    private final PromptTemplate template;
    private final Map<String, String> firstOfSku = new HashMap<>();

    private Rows(PromptTemplate template) {
      this.template = template;
    }

    /** The row's product, or null when it has problems (added with its line number). */
    ValidSubmission.Product row(long line, ProductRequest item, Problems problems) {
      problems.atLine(line);
      return product("", "line " + line, item, template, firstOfSku, problems);
    }
  }

  Rows rows(ValidSubmission options) {
    return new Rows(PromptTemplate.parse(options.spec().promptTemplate()));
  }

  Problems problems() {
    return new Problems(limits.maxReportedErrors());
  }

  /**
   * The variants of a preset, checked as a submission's are but for no tier in particular (which
   * tiers can make them is checked when a batch uses the preset).
   */
  List<VariantSpec> presetVariants(List<VariantRequest> requested) {
    Problems problems = problems();
    List<VariantSpec> variants = variants(requested, null, problems);
    problems.throwIfAny();
    return variants;
  }

  /**
   * Settings with allowed values that every model of the tier takes (an item may be routed to any
   * of them); each problem names the setting and the models that refuse it.
   */
  private GenerationSettings generation(
      GenerationSettings settings, String tier, Problems problems) {
    if (settings == null) {
      // the tier's settings (checked against its models at start-up), stored with the batch so that
      // a later configuration change does not alter what its items send
      GenerationSettings defaults = tiers.names().contains(tier) ? tiers.settings(tier) : null;
      return defaults == null || defaults.noneGiven() ? null : defaults;
    }
    for (String invalid : settings.invalidValues()) {
      int colon = invalid.indexOf(':');
      problems.add("generation." + invalid.substring(0, colon), invalid.substring(colon + 2));
    }
    Map<String, List<String>> refusedBy = new java.util.LinkedHashMap<>();
    for (var model : tiers.chain(tier).orElse(List.of())) {
      for (String field : settings.unsupportedBy(model)) {
        refusedBy.computeIfAbsent(field, f -> new java.util.ArrayList<>()).add(model.id());
      }
    }
    refusedBy.forEach(
        (field, models) ->
            problems.add(
                "generation." + field,
                "is not supported by "
                    + String.join(", ", models)
                    + " (tier '"
                    + tier
                    + "' may route to "
                    + (models.size() == 1 ? "it" : "them")
                    + "); leave it out or use a tier whose models all take it"));
    return tiers.names().contains(tier) ? tiers.settings(tier).overriddenBy(settings) : settings;
  }

  private ValidSubmission validate(SubmitBatchRequest req, boolean rowsFollow) {
    Problems problems = new Problems(limits.maxReportedErrors());
    String tier = req.tier() == null ? "fast" : req.tier();
    if (!tiers.names().contains(tier)) {
      problems.add("tier", "unknown tier '" + tier + "': use one of " + tiers.names());
    }
    text("name", req.name(), problems);
    text("promptTemplate", req.promptTemplate(), problems);
    text("styleGuide", req.styleGuide(), problems);
    String name = req.name() == null || req.name().isBlank() ? "unnamed batch" : req.name().strip();
    if (name.length() > MAX_NAME) {
      problems.add("name", "is longer than " + MAX_NAME + " characters");
    }
    List<VariantSpec> variants = variants(req.variants(), tier, problems);
    List<String> locales = locales(req.altTextLocales(), problems);
    PromptTemplate template = template(req.promptTemplate(), problems);
    String styleGuide =
        req.styleGuide() == null || req.styleGuide().isBlank() ? null : req.styleGuide();
    if (styleGuide != null && styleGuide.length() > MAX_STYLE_GUIDE) {
      problems.add("styleGuide", "is longer than " + MAX_STYLE_GUIDE + " characters");
    }
    String lane = req.lane() == null ? KafkaTopicsProperties.DEFAULT_LANE : req.lane();
    if (!topics.lanes().contains(lane) && !BatchLaneChooser.isBatchLaneName(lane)) {
      problems.add(
          "lane",
          "unknown lane '" + lane + "': use one of " + topics.lanes() + ", batch or cost-priority");
    }
    Instant now = clock.instant();
    Instant deadline = instant("deadline", req.deadline(), problems);
    if (deadline != null && !deadline.isAfter(now)) {
      problems.add("deadline", "is in the past (" + deadline + "; now " + now + ")");
    }
    Instant startAfter = instant("startAfter", req.startAfter(), problems);
    if (deadline != null && startAfter != null && !startAfter.isBefore(deadline)) {
      problems.add("startAfter", "is not before the deadline " + deadline);
    }
    Ranges.money(req.costCapUsd())
        .ifPresent(why -> problems.add("costCapUsd", why + " (leave it out for no cap)"));
    String callbackUrl =
        req.callbackUrl() == null || req.callbackUrl().isBlank() ? null : req.callbackUrl().strip();
    if (callbackUrl != null && text("callbackUrl", callbackUrl, problems)) {
      callbackUrls.refusal(callbackUrl).ifPresent(why -> problems.add("callbackUrl", why));
    }
    GenerationSettings generation = generation(req.generation(), tier, problems);
    List<ValidSubmission.Product> products =
        rowsFollow ? List.of() : products(req.items(), template, problems);
    problems.throwIfAny();
    // the slack a provider job needs counts from when the work may start, not from now
    lane =
        lanes.lane(
            lane, deadline, startAfter != null && startAfter.isAfter(now) ? startAfter : now, tier);
    String templateText =
        req.promptTemplate() == null ? limits.defaultPromptTemplate() : req.promptTemplate();
    return new ValidSubmission(
        name,
        tier,
        lane,
        0,
        new BatchSpec(variants, locales, templateText, styleGuide, generation),
        products,
        deadline,
        startAfter,
        req.costCapUsd(),
        Boolean.TRUE.equals(req.allowSafetyReroute()),
        callbackUrl);
  }

  /**
   * False (with the problem added) when {@code value} holds what cannot be stored as sent: a NUL or
   * an unpaired surrogate. Every path into intake (JSON, NDJSON, CSV, feeds) comes through here.
   */
  private static boolean text(String field, String value, Problems problems) {
    Optional<String> problem = StrictText.problem(value);
    problem.ifPresent(why -> problems.add(field, why));
    return problem.isEmpty();
  }

  /** {@code name} under {@code at}; at the top level for upload rows ({@code at} empty). */
  private static String field(String at, String name) {
    return at.isEmpty() ? name : at + "." + name;
  }

  private static Instant instant(String field, String text, Problems problems) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      Instant at = OffsetDateTime.parse(text.strip()).toInstant();
      Optional<String> outOfRange = Ranges.instant(at);
      if (outOfRange.isPresent()) {
        problems.add(field, "'" + text.strip() + "' " + outOfRange.get());
        return null;
      }
      return at;
    } catch (DateTimeParseException e) {
      problems.add(
          field,
          "'" + text + "' is not an ISO-8601 date-time with an offset, e.g. 2026-12-01T06:00:00Z");
      return null;
    }
  }

  private List<VariantSpec> variants(
      List<VariantRequest> requested, String tier, Problems problems) {
    if (requested == null || requested.isEmpty()) {
      problems.add(
          "variants",
          "at least one variant is required, e.g. {\"name\": \"listing\", \"aspectRatio\": \"1:1\", \"size\": \"1K\"}, or a variantPreset such as \"marketplace\" (GET /v1/variant-presets)");
      return List.of();
    }
    if (requested.size() > limits.maxVariants()) {
      problems.add("variants", "at most " + limits.maxVariants() + " variants per batch");
    }
    List<VariantSpec> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < requested.size(); i++) {
      VariantRequest v = requested.get(i);
      String at = "variants[" + i + "]";
      if (v == null) {
        problems.add(at, "must be an object");
        continue;
      }
      if (v.name() == null || !NAME.matcher(v.name()).matches()) {
        problems.add(at + ".name", NAME_RULE);
      } else if (!names.add(v.name())) {
        problems.add(at + ".name", "duplicate variant name '" + v.name() + "'");
      }
      String ratio = v.aspectRatio() == null ? "1:1" : v.aspectRatio();
      String size = v.size() == null ? "1K" : v.size();
      boolean ratioKnown = catalog.allAspectRatios().contains(ratio);
      boolean sizeKnown = catalog.allSizes().contains(size);
      if (!ratioKnown) {
        problems.add(
            at + ".aspectRatio",
            "unknown aspect ratio '" + ratio + "': use one of " + catalog.allAspectRatios());
      }
      if (!sizeKnown) {
        problems.add(
            at + ".size",
            "unknown size '"
                + size
                + "': use one of "
                + catalog.allSizes()
                + " (uppercase K; 512 has no K)");
      }
      if (ratioKnown
          && sizeKnown
          && tier != null
          && tiers.names().contains(tier)
          && tiers.capable(tier, size, ratio).isEmpty()) {
        problems.add(
            at,
            "no model of tier '"
                + tier
                + "' can produce "
                + ratio
                + " at "
                + size
                + capableElsewhere(size, ratio));
      }
      out.add(new VariantSpec(v.name(), ratio, size));
    }
    return out;
  }

  private String capableElsewhere(String size, String ratio) {
    List<String> capable =
        catalog.models().stream().filter(m -> m.supports(size, ratio)).map(ImageModel::id).toList();
    if (capable.isEmpty()) {
      return "; no known model can";
    }
    List<String> tierNames =
        tiers.names().stream().filter(t -> !tiers.capable(t, size, ratio).isEmpty()).toList();
    return "; models that can: "
        + capable
        + (tierNames.isEmpty() ? "" : " (tiers " + tierNames + ")");
  }

  private List<String> locales(List<String> requested, Problems problems) {
    if (requested == null || requested.isEmpty()) {
      return List.of("en");
    }
    if (requested.size() > limits.maxLocales()) {
      problems.add("altTextLocales", "at most " + limits.maxLocales() + " locales per batch");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < requested.size(); i++) {
      String locale = requested.get(i);
      if (locale == null || locale.length() > MAX_LOCALE || !LOCALE.matcher(locale).matches()) {
        problems.add(
            "altTextLocales[" + i + "]",
            "'" + locale + "' is not a language tag like en, de or pt-BR");
      } else if (!seen.add(locale)) {
        problems.add("altTextLocales[" + i + "]", "duplicate locale '" + locale + "'");
      }
    }
    return requested;
  }

  private PromptTemplate template(String text, Problems problems) {
    try {
      if (text != null && text.isBlank()) {
        problems.add("promptTemplate", "is empty; leave it out to use the default");
        return null;
      }
      if (text != null && text.length() > MAX_PROMPT_TEMPLATE) {
        problems.add("promptTemplate", "is longer than " + MAX_PROMPT_TEMPLATE + " characters");
        return null;
      }
      return PromptTemplate.parse(text == null ? limits.defaultPromptTemplate() : text);
    } catch (IllegalArgumentException e) {
      problems.add("promptTemplate", e.getMessage());
      return null;
    }
  }

  private List<ValidSubmission.Product> products(
      List<ProductRequest> items, PromptTemplate template, Problems problems) {
    if (items == null || items.isEmpty()) {
      problems.add("items", "at least one item is required");
      return List.of();
    }
    if (items.size() > limits.maxProducts()) {
      problems.add(
          "items",
          "at most "
              + limits.maxProducts()
              + " items per batch; split the catalog into several batches");
      return List.of();
    }
    List<ValidSubmission.Product> out = new ArrayList<>(items.size());
    Map<String, String> firstOfSku = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      String at = "items[" + i + "]";
      ValidSubmission.Product product =
          product(at, at, items.get(i), template, firstOfSku, problems);
      if (product != null) {
        out.add(product);
      }
    }
    return out;
  }

  private ValidSubmission.Product product(
      String at,
      String label,
      ProductRequest item,
      PromptTemplate template,
      Map<String, String> firstOfSku,
      Problems problems) {
    if (item == null) {
      problems.add(at.isEmpty() ? "item" : at, "must be an object");
      return null;
    }
    boolean ok = text(field(at, "sku"), item.sku(), problems);
    ok &= text(field(at, "title"), item.title(), problems);
    ok &= text(field(at, "description"), item.description(), problems);
    if (!ok) {
      return null; // a string that cannot be stored is not compared or measured either
    }
    String sku = item.sku();
    if (sku == null || sku.isBlank()) {
      problems.add(field(at, "sku"), "is required");
      ok = false;
    } else if (sku.length() > MAX_SKU || sku.chars().anyMatch(Character::isISOControl)) {
      problems.add(
          field(at, "sku"),
          "must be at most " + MAX_SKU + " characters without control characters");
      ok = false;
    } else if (ObjectKeys.skuProblem(sku).isPresent()) {
      // its images could never be stored: refused now rather than paid for and lost later
      problems.add(field(at, "sku"), ObjectKeys.skuProblem(sku).get());
      ok = false;
    } else {
      String first = firstOfSku.putIfAbsent(sku, label);
      if (first != null) {
        problems.add(field(at, "sku"), "duplicate sku '" + sku + "' (first at " + first + ")");
        ok = false;
      }
    }
    if (item.title() == null || item.title().isBlank()) {
      problems.add(field(at, "title"), "is required");
      ok = false;
    } else if (item.title().length() > MAX_TITLE) {
      problems.add(field(at, "title"), "is longer than " + MAX_TITLE + " characters");
      ok = false;
    }
    if (item.description() != null && item.description().length() > MAX_DESCRIPTION) {
      problems.add(field(at, "description"), "is longer than " + MAX_DESCRIPTION + " characters");
      ok = false;
    }
    Map<String, Object> attributes = item.attributes() == null ? Map.of() : item.attributes();
    if (attributes.size() > MAX_ATTRIBUTES) {
      problems.add(field(at, "attributes"), "at most " + MAX_ATTRIBUTES + " attributes");
      ok = false;
    }
    ok &= referenceImage(field(at, "referenceImage"), item.referenceImage(), problems);
    Map<String, String> values = new LinkedHashMap<>();
    values.put("sku", sku);
    values.put("title", item.title());
    values.put("description", item.description());
    for (var e : attributes.entrySet()) {
      Object v = e.getValue();
      String attribute = field(at, "attributes." + e.getKey());
      if (!text(field(at, "attributes"), e.getKey(), problems)) {
        ok = false;
      } else if (e.getKey().isBlank() || e.getKey().length() > MAX_ATTRIBUTE_NAME) {
        problems.add(
            field(at, "attributes"), "attribute names are 1-" + MAX_ATTRIBUTE_NAME + " characters");
        ok = false;
      } else if (v instanceof String value && !text(attribute, value, problems)) {
        ok = false;
      } else if (v != null && v.toString().length() > MAX_ATTRIBUTE_VALUE) {
        problems.add(attribute, "is longer than " + MAX_ATTRIBUTE_VALUE + " characters");
        ok = false;
      } else if ((v instanceof Double d && !Double.isFinite(d))
          || (v instanceof Float f && !Float.isFinite(f))) {
        problems.add(attribute, "is a number out of range; send it as a string");
        ok = false;
      } else if (v != null
          && !(v instanceof String || v instanceof Number || v instanceof Boolean)) {
        problems.add(attribute, "must be a string, number or boolean");
        ok = false;
      } else if (v != null) {
        values.put("attributes." + e.getKey(), v.toString());
      }
    }
    if (template == null) {
      return null;
    }
    List<String> missing = template.missingFields(values);
    for (String field : missing) {
      problems.add(
          field(at, field),
          "the prompt template uses {{" + field + "}} but this item has no value for it");
      ok = false;
    }
    if (!ok) {
      return null;
    }
    String prompt = template.render(values);
    return new ValidSubmission.Product(
        sku,
        new ProductData(
            item.title(), item.description(), attributes, prompt, item.referenceImage()));
  }

  /**
   * The form of a reference image; whether its host may be contacted (no internal addresses) is
   * decided by the worker when it fetches, against DNS as it is then.
   */
  private static boolean referenceImage(String at, ReferenceImageSource ref, Problems problems) {
    if (ref == null) {
      return true;
    }
    if ((ref.url() == null) == (ref.objectKey() == null)) {
      problems.add(at, "give exactly one of url or objectKey");
      return false;
    }
    if (!text(
        at + (ref.url() != null ? ".url" : ".objectKey"),
        ref.url() != null ? ref.url() : ref.objectKey(),
        problems)) {
      return false;
    }
    if (ref.url() != null) {
      URI uri;
      try {
        uri = new URI(ref.url());
      } catch (URISyntaxException e) {
        problems.add(at + ".url", "is not a valid URL: " + e.getReason());
        return false;
      }
      if (!"https".equalsIgnoreCase(uri.getScheme()) && !"http".equalsIgnoreCase(uri.getScheme())
          || uri.getHost() == null
          || ref.url().length() > MAX_REFERENCE_URL) {
        problems.add(
            at + ".url",
            "must be an absolute http or https URL of at most "
                + MAX_REFERENCE_URL
                + " characters");
        return false;
      }
      if (uri.getUserInfo() != null) {
        problems.add(at + ".url", "must not carry credentials");
        return false;
      }
      return true;
    }
    String key = ref.objectKey();
    if (key.isBlank()
        || key.length() > MAX_REFERENCE_KEY
        || key.startsWith("/")
        || key.contains("\\")
        || key.chars().anyMatch(Character::isISOControl)
        || java.util.Arrays.asList(key.split("/")).contains("..")) {
      problems.add(
          at + ".objectKey",
          "must be a relative key under your prefix (no leading /, no .. segments), at most "
              + MAX_REFERENCE_KEY
              + " characters");
      return false;
    }
    return true;
  }
}
