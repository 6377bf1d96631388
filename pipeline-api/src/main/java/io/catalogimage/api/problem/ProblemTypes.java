package io.catalogimage.api.problem;

import java.net.URI;

/**
 * Stable {@code type} URIs of the api's problem details (RFC 9457): clients may switch on them.
 * Each is documented in the README's error table.
 */
public final class ProblemTypes {

  private static final String BASE = "https://catalog-image-pipeline.dev/problems/";

  public static final URI INVALID_SUBMISSION = URI.create(BASE + "invalid-submission");
  public static final URI MALFORMED_BODY = URI.create(BASE + "malformed-body");
  public static final URI NOT_FOUND = URI.create(BASE + "not-found");
  public static final URI UNSUPPORTED_MEDIA_TYPE = URI.create(BASE + "unsupported-media-type");
  public static final URI PAYLOAD_TOO_LARGE = URI.create(BASE + "payload-too-large");
  public static final URI INVALID_PARAMETER = URI.create(BASE + "invalid-parameter");
  public static final URI METHOD_NOT_ALLOWED = URI.create(BASE + "method-not-allowed");
  public static final URI CONFLICT = URI.create(BASE + "conflict");
  public static final URI IDEMPOTENCY_KEY_REUSED = URI.create(BASE + "idempotency-key-reused");
  public static final URI UNAUTHENTICATED = URI.create(BASE + "unauthenticated");
  public static final URI TOO_MANY_FAILED_AUTHENTICATIONS =
      URI.create(BASE + "too-many-failed-authentications");
  public static final URI FORBIDDEN = URI.create(BASE + "forbidden");
  public static final URI REJECTED_REQUEST = URI.create(BASE + "rejected-request");
  public static final URI SERVICE_UNAVAILABLE = URI.create(BASE + "service-unavailable");
  public static final URI INTERNAL = URI.create(BASE + "internal-error");

  private ProblemTypes() {}
}
