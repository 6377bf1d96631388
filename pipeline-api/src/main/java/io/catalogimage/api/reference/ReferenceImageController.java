package io.catalogimage.api.reference;

import io.catalogimage.api.intake.IntakeProperties;
import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.image.ImageTypes;
import io.catalogimage.common.storage.ObjectKeys;
import io.catalogimage.common.storage.ObjectStore;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /v1/reference-images/{name}}: product photos uploaded to the pipeline, for items to name
 * as {@code "referenceImage": {"objectKey": "references/<name>"}} (for merchants whose photos are
 * not at a public URL). Stored under the tenant's prefix; only PNG, JPEG and WebP, told by the
 * bytes.
 */
@Tag(name = "Reference images")
@RestController
class ReferenceImageController {

  static final String FOLDER = "references/";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  /**
   * What {@code PUT} stored.
   *
   * @param objectKey what an item's {@code referenceImage.objectKey} names
   */
  record Stored(String objectKey, String contentType, long sizeBytes) {}

  private final ObjectStore store;
  private final IntakeProperties limits;

  ReferenceImageController(ObjectStore store, IntakeProperties limits) {
    this.store = store;
    this.limits = limits;
  }

  /** Stores (or replaces) a photo; the body is the image itself. */
  @ApiResponse(responseCode = "201", description = "stored")
  @ApiResponse(responseCode = "413", description = "larger than the limit (in the detail)")
  @ApiResponse(responseCode = "415", description = "not a PNG, JPEG or WebP, or not what it says")
  @PutMapping(
      path = "/v1/reference-images/{name}",
      consumes = {"image/png", "image/jpeg", "image/webp", "application/octet-stream"})
  ResponseEntity<Stored> put(TenantId tenant, @PathVariable String name, HttpServletRequest request)
      throws IOException {
    checkName(name);
    long limit = limits.maxReferenceImageSize().toBytes();
    if (request.getContentLengthLong() > limit) {
      throw tooLarge(limit);
    }
    byte[] bytes =
        request.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
    if (bytes.length > limit) {
      throw tooLarge(limit);
    }
    String type = ImageTypes.sniff(bytes);
    if (type == null) {
      throw unsupported("the body is not a PNG, JPEG or WebP image");
    }
    String declared = request.getContentType().toLowerCase(Locale.ROOT);
    if (declared.startsWith("image/") && !declared.startsWith(type)) {
      throw unsupported("the body is declared " + declared + " but is " + type);
    }
    store.put(ObjectKeys.tenantPrefix(tenant) + FOLDER + name, bytes, type);
    return ResponseEntity.created(URI.create("/v1/reference-images/" + name))
        .body(new Stored(FOLDER + name, type, bytes.length));
  }

  /** The stored photo itself. */
  @GetMapping("/v1/reference-images/{name}")
  ResponseEntity<byte[]> get(TenantId tenant, @PathVariable String name) {
    checkName(name);
    byte[] bytes =
        store
            .get(ObjectKeys.tenantPrefix(tenant) + FOLDER + name)
            .orElseThrow(() -> ApiProblem.notFound("no reference image " + name));
    return ResponseEntity.ok()
        .contentType(MediaType.parseMediaType(ImageTypes.sniff(bytes)))
        .body(bytes);
  }

  private static void checkName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw ApiProblem.invalidParameter(
          "name",
          "must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or"
              + " digit (e.g. ts-001.jpg)");
    }
  }

  private static ApiProblem tooLarge(long limit) {
    return new ApiProblem(
            HttpStatus.CONTENT_TOO_LARGE,
            ProblemTypes.PAYLOAD_TOO_LARGE,
            "Payload too large",
            "the image is larger than the limit of " + limit + " bytes")
        .with("limitBytes", limit);
  }

  private static ApiProblem unsupported(String why) {
    return new ApiProblem(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        ProblemTypes.UNSUPPORTED_MEDIA_TYPE,
        "Unsupported media type",
        why);
  }
}
