package io.catalogimage.api.intake;

import io.catalogimage.api.intake.SubmitBatchRequest.VariantRequest;
import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.json.Json;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;

/**
 * Named variant sets: the built-in ones ({@code pipeline.intake.variant-presets}) and each tenant's
 * own, which win over a built-in of the same name. A submission naming one gets its variants,
 * followed by any it lists itself.
 */
@Component
public class VariantPresets {

  /** One preset as listed: where it comes from ({@code builtin} or {@code tenant}). */
  public record Preset(String name, String source, List<VariantSpec> variants) {}

  private static final TypeReference<List<VariantSpec>> VARIANTS = new TypeReference<>() {};

  private final JdbcClient jdbc;
  private final SubmissionValidator validator;
  private final Map<String, List<VariantSpec>> builtIn;
  private final Clock clock;

  VariantPresets(
      JdbcClient jdbc, SubmissionValidator validator, IntakeProperties props, Clock clock) {
    this.jdbc = jdbc;
    this.validator = validator;
    this.clock = clock;
    Map<String, List<VariantSpec>> parsed = new TreeMap<>();
    props
        .variantPresets()
        .forEach(
            (name, texts) -> {
              List<VariantRequest> requests = new ArrayList<>();
              for (String text : texts) {
                VariantRequest v = VariantRequest.parse(text);
                if (v == null) {
                  throw new IllegalArgumentException(
                      "pipeline.intake.variant-presets."
                          + name
                          + ": '"
                          + text
                          + "' is not name:aspectRatio:size, e.g. listing:1:1:1K");
                }
                requests.add(v);
              }
              parsed.put(name, validator.presetVariants(requests));
            });
    this.builtIn = parsed;
  }

  /** Every preset the tenant may name, its own first. */
  public List<Preset> list(TenantId tenant) {
    Map<String, Preset> all = new TreeMap<>();
    builtIn.forEach((name, variants) -> all.put(name, new Preset(name, "builtin", variants)));
    jdbc.sql("SELECT name, variants FROM variant_presets WHERE tenant_id = :t")
        .param("t", tenant.value())
        .query(
            rs -> {
              String name = rs.getString("name");
              all.put(name, new Preset(name, "tenant", parse(rs.getString("variants"))));
            });
    return List.copyOf(all.values());
  }

  public Optional<Preset> find(TenantId tenant, String name) {
    return jdbc.sql("SELECT variants FROM variant_presets WHERE tenant_id = :t AND name = :n")
        .param("t", tenant.value())
        .param("n", name)
        .query((rs, i) -> new Preset(name, "tenant", parse(rs.getString(1))))
        .optional()
        .or(
            () ->
                Optional.ofNullable(builtIn.get(name))
                    .map(variants -> new Preset(name, "builtin", variants)));
  }

  /** Saves (or replaces) the tenant's preset; its variants are checked first. */
  public Preset save(TenantId tenant, String name, List<VariantRequest> variants) {
    List<VariantSpec> checked = validator.presetVariants(variants);
    jdbc.sql(
            """
            INSERT INTO variant_presets (tenant_id, name, variants, updated_at)
            VALUES (:t, :n, CAST(:v AS jsonb), :now)
            ON CONFLICT (tenant_id, name)
            DO UPDATE SET variants = EXCLUDED.variants, updated_at = EXCLUDED.updated_at
            """)
        .param("t", tenant.value())
        .param("n", name)
        .param("v", Json.mapper().writeValueAsString(checked))
        .param("now", Timestamp.from(clock.instant()))
        .update();
    return new Preset(name, "tenant", checked);
  }

  /** Removes the tenant's own preset (a built-in one cannot be removed); false if it had none. */
  public boolean delete(TenantId tenant, String name) {
    return jdbc.sql("DELETE FROM variant_presets WHERE tenant_id = :t AND name = :n")
            .param("t", tenant.value())
            .param("n", name)
            .update()
        == 1;
  }

  /**
   * The request with its preset expanded into variants (the preset's first); unchanged when it
   * names none. An unknown preset is a problem of the submission, naming the ones there are.
   */
  SubmitBatchRequest expand(TenantId tenant, SubmitBatchRequest request) {
    String name = request.variantPreset();
    if (name == null || name.isBlank()) {
      return request;
    }
    Optional<Preset> preset = find(tenant, name.strip());
    if (preset.isEmpty()) {
      Problems problems = validator.problems();
      problems.add(
          "variantPreset",
          "unknown preset '"
              + name
              + "': use one of "
              + list(tenant).stream().map(Preset::name).toList()
              + " or save it with PUT /v1/variant-presets/"
              + name.strip());
      problems.throwIfAny();
    }
    List<VariantRequest> variants = new ArrayList<>();
    for (VariantSpec v : preset.get().variants()) {
      variants.add(new VariantRequest(v.name(), v.aspectRatio(), v.size()));
    }
    if (request.variants() != null) {
      variants.addAll(request.variants());
    }
    return request.withVariants(variants);
  }

  private static List<VariantSpec> parse(String json) {
    return Json.mapper().readValue(json, VARIANTS);
  }
}
