package io.catalogimage.api.intake;

import io.catalogimage.api.intake.SubmitBatchRequest.VariantRequest;
import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.common.id.TenantId;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /v1/variant-presets}: named variant sets a submission can use ({@code "variantPreset":
 * "social"}) instead of listing its variants: the built-in ones and the tenant's own.
 */
@Tag(name = "Variant presets")
@RestController
class VariantPresetController {

  /** The body of the PUT. */
  record PresetRequest(List<VariantRequest> variants) {}

  record Presets(List<VariantPresets.Preset> presets) {}

  private final VariantPresets presets;

  VariantPresetController(VariantPresets presets) {
    this.presets = presets;
  }

  /** The built-in presets and the tenant's own (which win over a built-in of the same name). */
  @GetMapping("/v1/variant-presets")
  Presets list(TenantId tenant) {
    return new Presets(presets.list(tenant));
  }

  /** One preset by name, the tenant's own first. */
  @GetMapping("/v1/variant-presets/{name}")
  VariantPresets.Preset get(TenantId tenant, @PathVariable String name) {
    return presets.find(tenant, name).orElseThrow(() -> notFound(name));
  }

  /** Saves the tenant's preset (replacing its own of that name, or shadowing a built-in one). */
  @PutMapping("/v1/variant-presets/{name}")
  VariantPresets.Preset save(
      TenantId tenant, @PathVariable String name, @RequestBody PresetRequest body) {
    if (!SubmissionValidator.NAME.matcher(name).matches()) {
      throw ApiProblem.invalidParameter("name", SubmissionValidator.NAME_RULE);
    }
    if (body == null) {
      throw ApiProblem.invalidParameter("variants", "a body {\"variants\": [...]} is required");
    }
    return presets.save(tenant, name, body.variants());
  }

  /** Removes the tenant's own preset; a built-in one of the same name shows again. */
  @DeleteMapping("/v1/variant-presets/{name}")
  @ApiResponse(responseCode = "204", description = "removed")
  ResponseEntity<Void> delete(TenantId tenant, @PathVariable String name) {
    if (!presets.delete(tenant, name)) {
      throw notFound(name);
    }
    return ResponseEntity.noContent().build();
  }

  private static ApiProblem notFound(String name) {
    return ApiProblem.notFound("no variant preset " + name + " of this tenant");
  }
}
