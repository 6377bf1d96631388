package io.catalogimage.api.intake;

import io.catalogimage.api.dispatch.DispatchDueItems;
import io.catalogimage.api.input.ChecksItsOwnQuery;
import io.catalogimage.api.input.StrictUtf8InputStream;
import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.id.Uuids;
import io.swagger.v3.oas.annotations.Hidden;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /v1/batches}: validates the whole catalog, stores it in one transaction and answers
 * 202 at once; the work happens afterwards. Nothing is stored when anything is invalid.
 */
@Tag(name = "Batches")
@RestController
class IntakeController {

  private final JsonSubmissionParser parser;
  private final SubmissionValidator validator;
  private final IntakeRepository repository;
  private final IntakeProperties limits;
  private final DispatchDueItems dispatcher;
  private final Clock clock;
  private final BatchPlanner planner;
  private final IdempotencyKeys idempotency;
  private final UploadIntake uploadIntake;
  private final ExpandBatches expander;
  private final VariantPresets presets;

  IntakeController(
      JsonSubmissionParser parser,
      SubmissionValidator validator,
      IntakeRepository repository,
      IntakeProperties limits,
      DispatchDueItems dispatcher,
      BatchPlanner planner,
      IdempotencyKeys idempotency,
      UploadIntake uploadIntake,
      ExpandBatches expander,
      VariantPresets presets,
      Clock clock) {
    this.presets = presets;
    this.uploadIntake = uploadIntake;
    this.expander = expander;
    this.planner = planner;
    this.idempotency = idempotency;
    this.parser = parser;
    this.validator = validator;
    this.repository = repository;
    this.limits = limits;
    this.dispatcher = dispatcher;
    this.clock = clock;
  }

  /** The JSON form of {@link #upload}: documented there, as one operation with three bodies. */
  @Hidden
  @ChecksItsOwnQuery
  @PostMapping(path = "/v1/batches", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<BatchAccepted> submit(TenantId tenant, HttpServletRequest request)
      throws IOException {
    String idempotencyKey = idempotencyKey(request);
    UploadOptions.none(request.getParameterMap());
    SubmitBatchRequest parsed;
    MessageDigest digest = sha256();
    try (InputStream body = hashedBody(request, digest)) {
      // the parser closes what it reads; keep the stream open to hash the whole body
      parsed = parser.parse(keepOpen(body));
      body.transferTo(OutputStream.nullOutputStream());
    }
    byte[] requestHash = digest.digest();
    if (idempotencyKey != null) {
      Optional<ResponseEntity<BatchAccepted>> replay = replay(tenant, idempotencyKey, requestHash);
      if (replay.isPresent()) {
        return replay.get();
      }
    }
    ValidSubmission valid = validator.validate(presets.expand(tenant, parsed));
    BatchId batch = new BatchId(Uuids.v7());
    Instant now = clock.instant();
    BatchPlan plan = planner.plan(valid, now);
    try {
      repository.store(tenant, batch, valid, plan, now, idempotencyKey, requestHash);
    } catch (DuplicateKeyException twin) {
      // the same key in a request that committed while this one was validated
      return replay(tenant, idempotencyKey, requestHash).orElseThrow(() -> twin);
    }
    return accepted(batch, valid, valid.products().size(), valid.itemCount(), plan);
  }

  /**
   * Submits a catalog and answers 202 at once with the batch id and where to follow it. The body is
   * JSON ({@code SubmitBatchRequest}: options and {@code items[]}), NDJSON (one item object per
   * line, as in {@code items[]}) or CSV (a header row; columns sku, title, description,
   * referenceImageUrl, referenceImageKey, every other column an attribute; UTF-8 with or without
   * BOM, RFC 4180 quoting, CRLF or LF). For NDJSON and CSV the batch options are these query
   * parameters. Uploads are streamed: every row is checked as it arrives; nothing is stored unless
   * every row is good, and a 400 lists each bad row with its line ({@code errors[].line}). An
   * upload of more than 10,000 products answers once its products are stored; its items follow
   * within seconds (counted QUEUED meanwhile). With {@code Idempotency-Key}, a retry with the same
   * body returns the same batch, another body a 422. The model settings of the JSON body's {@code
   * generation} are the parameters {@code generation.thinkingLevel}, {@code
   * generation.includeThoughts}, ... : one a model of the tier does not take is a 400 naming it,
   * before any row is read.
   *
   * @param name a name of yours for the batch
   * @param tier fast (default) or quality
   * @param lane interactive, bulk (default), scheduled, batch or cost-priority
   * @param altTextLocales comma-separated BCP 47 tags, e.g. {@code en,de} (default en)
   * @param promptTemplate e.g. "Studio photo of {{title}} in {{attributes.color}}"
   * @param styleGuide brand style text added to every prompt
   * @param deadline ISO-8601 instant the batch should be done by
   * @param startAfter ISO-8601 instant before which nothing runs
   * @param costCapUsd most the batch may cost
   * @param allowSafetyReroute retry a safety block on the tier's next model (default false)
   * @param callbackUrl where this batch's webhook events go (https, public address)
   * @param variantPreset a named variant set; its variants come first
   */
  @ChecksItsOwnQuery
  @PostMapping(
      path = "/v1/batches",
      consumes = {"application/x-ndjson", "text/csv"})
  @Operation(
      parameters = {
        @Parameter(
            name = "variant",
            in = ParameterIn.QUERY,
            description = "a variant as name:aspectRatio:size, e.g. listing:1:1:1K; repeat it",
            array = @ArraySchema(schema = @Schema(type = "string"))),
        @Parameter(
            name = "generation.thinkingLevel",
            in = ParameterIn.QUERY,
            description = "Gemini 3.x: minimal, low, medium or high",
            schema = @Schema(type = "string")),
        @Parameter(
            name = "generation.includeThoughts",
            in = ParameterIn.QUERY,
            description = "Gemini 3.x: whether thought parts come back (true or false)",
            schema = @Schema(type = "boolean")),
        @Parameter(
            name = "generation.googleSearch",
            in = ParameterIn.QUERY,
            description = "Gemini 3.x: ground the image with Google Search (true or false)",
            schema = @Schema(type = "boolean")),
        @Parameter(
            name = "generation.outputFormat",
            in = ParameterIn.QUERY,
            description = "OpenAI: png or jpeg",
            schema = @Schema(type = "string")),
        @Parameter(
            name = "generation.quality",
            in = ParameterIn.QUERY,
            description = "OpenAI: low, medium, high or auto",
            schema = @Schema(type = "string")),
        @Parameter(
            name = "generation.personGeneration",
            in = ParameterIn.QUERY,
            description = "Vertex AI only",
            schema = @Schema(type = "string")),
        @Parameter(
            name = "Idempotency-Key",
            in = ParameterIn.HEADER,
            description = "any unique string: a retry with it returns the batch it made",
            schema = @Schema(type = "string"))
      },
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              content = {
                @Content(
                    mediaType = "application/json",
                    schema = @Schema(implementation = SubmitBatchRequest.class)),
                @Content(
                    mediaType = "application/x-ndjson",
                    schema = @Schema(type = "string"),
                    examples =
                        @ExampleObject(
                            value =
                                "{\"sku\": \"TS-001\", \"title\": \"Organic cotton T-shirt\"}\n"
                                    + "{\"sku\": \"TS-002\", \"title\": \"Linen shirt\","
                                    + " \"attributes\": {\"color\": \"navy\"}}\n")),
                @Content(
                    mediaType = "text/csv",
                    schema = @Schema(type = "string"),
                    examples =
                        @ExampleObject(
                            value = "sku,title,color\r\nTS-001,Organic cotton T-shirt,navy\r\n"))
              }),
      responses = {
        @ApiResponse(
            responseCode = "202",
            description = "accepted: the batch id, its counts, ETA and links",
            content =
                @Content(
                    mediaType = "application/json",
                    schema = @Schema(implementation = BatchAccepted.class))),
        @ApiResponse(responseCode = "413", description = "the body is larger than the limit"),
        @ApiResponse(
            responseCode = "422",
            description = "the Idempotency-Key was used with another body")
      })
  ResponseEntity<BatchAccepted> upload(
      TenantId tenant,
      HttpServletRequest request,
      @RequestParam(required = false) String name,
      @RequestParam(required = false) String tier,
      @RequestParam(required = false) String lane,
      @RequestParam(required = false) String altTextLocales,
      @RequestParam(required = false) String promptTemplate,
      @RequestParam(required = false) String styleGuide,
      @RequestParam(required = false) String deadline,
      @RequestParam(required = false) String startAfter,
      @RequestParam(required = false) String costCapUsd,
      // read strictly by UploadOptions (Spring's converter takes "yes", "on" and "1" as true)
      @Parameter(schema = @Schema(type = "boolean")) @RequestParam(required = false)
          String allowSafetyReroute,
      @RequestParam(required = false) String callbackUrl,
      @RequestParam(required = false) String variantPreset)
      throws IOException {
    String idempotencyKey = idempotencyKey(request);
    Uploads.Format format =
        request.getContentType().toLowerCase(java.util.Locale.ROOT).startsWith("text/csv")
            ? Uploads.Format.CSV
            : Uploads.Format.NDJSON;
    String optionsAsSent = UploadOptions.canonical(request.getParameterMap());
    ValidSubmission options =
        validator.validateOptions(
            presets.expand(
                tenant,
                new SubmitBatchRequest(
                    name,
                    tier,
                    variants(request.getParameterValues("variant")),
                    variantPreset,
                    altTextLocales == null ? null : List.of(altTextLocales.split("\\s*,\\s*")),
                    promptTemplate,
                    styleGuide,
                    lane,
                    deadline,
                    startAfter,
                    money(costCapUsd),
                    UploadOptions.bool("allowSafetyReroute", allowSafetyReroute),
                    callbackUrl,
                    null,
                    UploadOptions.generation(request.getParameterMap()))));
    BatchId batch = new BatchId(Uuids.v7());
    Instant now = clock.instant();
    MessageDigest digest = sha256();
    // the key covers what the upload asks for, not only its rows: the format and every option
    digest.update((format + "\n" + optionsAsSent + "\n").getBytes(StandardCharsets.UTF_8));
    UploadIntake.Stored stored;
    try (InputStream body = hashedBody(request, digest)) {
      stored =
          uploadIntake.store(
              tenant, batch, options, format, keepOpen(body), digest, idempotencyKey, now);
    } catch (UploadIntake.AlreadyUsed used) {
      // the key made a batch before (or meanwhile): the same body replays it, another is a 422
      return replay(tenant, idempotencyKey, used.requestHash()).orElseThrow();
    }
    if (stored.itemsPending()) {
      expander.wake();
    }
    return accepted(batch, options, (int) stored.products(), (int) stored.items(), stored.plan());
  }

  /** 202 with where to follow the batch; the dispatcher is woken to send its items now. */
  private ResponseEntity<BatchAccepted> accepted(
      BatchId batch, ValidSubmission s, int products, int items, BatchPlan plan) {
    dispatcher.wake();
    String self = "/v1/batches/" + batch;
    return ResponseEntity.accepted()
        .location(URI.create(self))
        .body(
            new BatchAccepted(
                batch.toString(),
                s.name(),
                "ACCEPTED",
                products,
                items,
                s.deadline(),
                plan.eta(),
                plan.basis(),
                plan.atRisk(),
                plan.rates(),
                BatchAccepted.links(batch)));
  }

  /** {@code name:ratio:size}, the ratio itself containing a colon: {@code banner:4:1:2K}. */
  private static List<SubmitBatchRequest.VariantRequest> variants(String[] values) {
    if (values == null) {
      return null;
    }
    List<SubmitBatchRequest.VariantRequest> out = new java.util.ArrayList<>();
    for (String v : values) {
      SubmitBatchRequest.VariantRequest variant = SubmitBatchRequest.VariantRequest.parse(v);
      if (variant == null) {
        throw ApiProblem.invalidParameter(
            "variant", "'" + v + "' is not name:aspectRatio:size, e.g. listing:1:1:1K");
      }
      out.add(variant);
    }
    return out;
  }

  private static java.math.BigDecimal money(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return new java.math.BigDecimal(text.strip());
    } catch (NumberFormatException e) {
      throw ApiProblem.invalidParameter("costCapUsd", "'" + text + "' is not a number");
    }
  }

  /**
   * The answer to a retried submission: the batch its key made, when the body is the same; a 422
   * problem when the key was used for another body.
   */
  private Optional<ResponseEntity<BatchAccepted>> replay(
      TenantId tenant, String key, byte[] requestHash) {
    Optional<IdempotencyKeys.Used> used = idempotency.find(tenant, key);
    if (used.isEmpty()) {
      return Optional.empty();
    }
    if (!MessageDigest.isEqual(used.get().requestHash(), requestHash)) {
      throw new ApiProblem(
              HttpStatus.UNPROCESSABLE_ENTITY,
              ProblemTypes.IDEMPOTENCY_KEY_REUSED,
              "Idempotency key reused",
              "Idempotency-Key '"
                  + key
                  + "' was used for another request body (batch "
                  + used.get().batch()
                  + "); use a new key for a new submission")
          .with("batchId", used.get().batch().toString());
    }
    BatchId batch = used.get().batch();
    BatchAccepted accepted = repository.accepted(tenant, batch);
    String self = "/v1/batches/" + batch;
    return Optional.of(
        ResponseEntity.accepted()
            .location(URI.create(self))
            .header("Idempotent-Replayed", "true")
            .body(accepted));
  }

  private static String idempotencyKey(HttpServletRequest request) {
    String key = request.getHeader("Idempotency-Key");
    if (key == null) {
      return null;
    }
    if (key.isBlank() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
      throw ApiProblem.invalidParameter(
          "Idempotency-Key", "must be 1-255 visible ASCII characters (a UUID is a good choice)");
    }
    return key;
  }

  /**
   * The request body, refused past the size limit and at the first byte that is not strict UTF-8
   * (with its line), hashed into {@code digest} as it is read.
   */
  private InputStream hashedBody(HttpServletRequest request, MessageDigest digest)
      throws IOException {
    return new DigestInputStream(
        StrictUtf8InputStream.of(
            BodyLimit.wrap(
                request.getInputStream(), request.getContentLengthLong(), limits.maxBodySize())),
        digest);
  }

  /** Readers close what they read; the body stays open so that all of it is hashed. */
  private static InputStream keepOpen(InputStream body) {
    return new FilterInputStream(body) {
      @Override
      public void close() {}
    };
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
