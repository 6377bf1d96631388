package io.catalogimage.common.storage;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The S3-compatible store (MinIO, AWS S3, S3Proxy).
 *
 * @param endpoint where this process reaches the store (e.g. {@code http://minio:9000})
 * @param publicEndpoint where the users of presigned URLs reach it, when that differs (e.g. {@code
 *     http://localhost:9000} outside Docker); defaults to {@code endpoint}
 * @param region signing region; S3-compatible stores accept any (default {@code us-east-1})
 * @param bucket the bucket for images, sidecars and manifests (default {@code catalog-images})
 * @param accessKey access key id
 * @param secretKey secret access key (never logged)
 * @param pathStyle path-style URLs; right for MinIO and most compatible stores (default true)
 * @param createBucket create the bucket at start-up when missing (default true)
 * @param presignTtl how long presigned URLs stay valid (default 1h)
 */
@ConfigurationProperties("pipeline.storage")
public record ObjectStoreProperties(
    URI endpoint,
    URI publicEndpoint,
    String region,
    String bucket,
    String accessKey,
    String secretKey,
    Boolean pathStyle,
    Boolean createBucket,
    Duration presignTtl) {

  public ObjectStoreProperties {
    Objects.requireNonNull(endpoint, "pipeline.storage.endpoint must be set");
    Objects.requireNonNull(accessKey, "pipeline.storage.access-key must be set");
    Objects.requireNonNull(secretKey, "pipeline.storage.secret-key must be set");
    publicEndpoint = publicEndpoint == null ? endpoint : publicEndpoint;
    region = region == null || region.isBlank() ? "us-east-1" : region;
    bucket = bucket == null || bucket.isBlank() ? "catalog-images" : bucket;
    pathStyle = pathStyle == null || pathStyle;
    createBucket = createBucket == null || createBucket;
    presignTtl = presignTtl == null ? Duration.ofHours(1) : presignTtl;
  }

  @Override
  public String toString() {
    return "ObjectStoreProperties[endpoint=" + endpoint + ", bucket=" + bucket + "]";
  }
}
