package io.catalogimage.common.id;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;
import java.util.UUID;

/** Typed id of a tenant, so that ids of different things cannot be swapped in a signature. */
public record TenantId(UUID value) {

  public TenantId {
    Objects.requireNonNull(value, "tenant id");
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static TenantId of(String text) {
    return new TenantId(UUID.fromString(text));
  }

  /** The tenant that owns everything until tenants and API keys are configured. */
  public static final TenantId DEFAULT = of("00000000-0000-0000-0000-000000000001");

  public static TenantId random() {
    return new TenantId(UUID.randomUUID());
  }

  @JsonValue
  @Override
  public String toString() {
    return value.toString();
  }
}
