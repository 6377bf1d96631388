package io.catalogimage.simulator.config;

/**
 * Gemini wire-level choices.
 *
 * @param aliasMode what a retired {@code -preview} id does (default REMAP, like gateways)
 * @param lenientImageSize when true an invalid {@code imageSize} is served at 1K instead of a 400
 *     (mimics python-genai #2110); default false
 * @param downgradeModel the model a MODEL_VERSION_MISMATCH pretends to have served (default
 *     gemini-2.5-flash-image)
 * @param imageSafetyNullParts when true IMAGE_SAFETY carries a literal {@code "parts": null} as in
 *     the stored fixture; default false (no {@code parts} key), because Google's proto-JSON never
 *     writes nulls and google-genai Java 2.0.0 fails to parse a null {@code parts}
 * @param altTextFaultRate share of text answers (the image models' alt text and the vision models'
 *     captions) made wrong on purpose, one of five ways (see TextFaults); default 0
 * @param retryAfterHeader when true a per-minute 429 also carries its delay in a {@code
 *     Retry-After} header (whole seconds, rounded up), as gateways and Google's front ends may;
 *     default false (body only)
 * @param signatures what a next turn with a missing or altered {@code thoughtSignature} gets
 *     (reference §4): STRICT a 400 INVALID_ARGUMENT, LENIENT an answer with a warning header
 *     (Gemini 3 Pro Image's documented behaviour, the default), OFF no check at all
 */
public record GeminiSettings(
    AliasMode aliasMode,
    boolean lenientImageSize,
    String downgradeModel,
    boolean imageSafetyNullParts,
    boolean retryAfterHeader,
    double altTextFaultRate,
    SignatureMode signatures) {

  public GeminiSettings(
      AliasMode aliasMode,
      boolean lenientImageSize,
      String downgradeModel,
      boolean imageSafetyNullParts,
      boolean retryAfterHeader) {
    this(
        aliasMode,
        lenientImageSize,
        downgradeModel,
        imageSafetyNullParts,
        retryAfterHeader,
        0,
        SignatureMode.LENIENT);
  }

  public GeminiSettings(
      AliasMode aliasMode,
      boolean lenientImageSize,
      String downgradeModel,
      boolean imageSafetyNullParts) {
    this(aliasMode, lenientImageSize, downgradeModel, imageSafetyNullParts, false);
  }

  public GeminiSettings {
    if (aliasMode == null || downgradeModel == null || downgradeModel.isBlank()) {
      throw new IllegalArgumentException("gemini.aliasMode and gemini.downgradeModel are required");
    }
    if (!(altTextFaultRate >= 0 && altTextFaultRate <= 1)) {
      throw new IllegalArgumentException("gemini.altTextFaultRate must be in 0..1");
    }
    if (signatures == null) {
      signatures = SignatureMode.LENIENT;
    }
  }

  public static GeminiSettings standard() {
    return new GeminiSettings(AliasMode.REMAP, false, "gemini-2.5-flash-image", false);
  }

  public GeminiSettings withAliasMode(AliasMode mode) {
    return new GeminiSettings(
        mode,
        lenientImageSize,
        downgradeModel,
        imageSafetyNullParts,
        retryAfterHeader,
        altTextFaultRate,
        signatures);
  }

  public GeminiSettings withLenientImageSize(boolean lenient) {
    return new GeminiSettings(
        aliasMode,
        lenient,
        downgradeModel,
        imageSafetyNullParts,
        retryAfterHeader,
        altTextFaultRate,
        signatures);
  }

  public GeminiSettings withDowngradeModel(String model) {
    return new GeminiSettings(
        aliasMode,
        lenientImageSize,
        model,
        imageSafetyNullParts,
        retryAfterHeader,
        altTextFaultRate,
        signatures);
  }

  public GeminiSettings withImageSafetyNullParts(boolean nullParts) {
    return new GeminiSettings(
        aliasMode,
        lenientImageSize,
        downgradeModel,
        nullParts,
        retryAfterHeader,
        altTextFaultRate,
        signatures);
  }

  public GeminiSettings withRetryAfterHeader(boolean header) {
    return new GeminiSettings(
        aliasMode,
        lenientImageSize,
        downgradeModel,
        imageSafetyNullParts,
        header,
        altTextFaultRate,
        signatures);
  }

  public GeminiSettings withAltTextFaultRate(double rate) {
    return new GeminiSettings(
        aliasMode,
        lenientImageSize,
        downgradeModel,
        imageSafetyNullParts,
        retryAfterHeader,
        rate,
        signatures);
  }

  public GeminiSettings withSignatures(SignatureMode mode) {
    return new GeminiSettings(
        aliasMode,
        lenientImageSize,
        downgradeModel,
        imageSafetyNullParts,
        retryAfterHeader,
        altTextFaultRate,
        mode);
  }
}
