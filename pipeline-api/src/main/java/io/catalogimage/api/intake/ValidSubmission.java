package io.catalogimage.api.intake;

import io.catalogimage.common.batch.BatchSpec;
import io.catalogimage.common.batch.ProductData;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/** A submission that passed every check: what the intake stores, in one transaction. */
record ValidSubmission(
    String name,
    String tier,
    String lane,
    int priority,
    BatchSpec spec,
    List<Product> products,
    Instant deadline,
    Instant startAfter,
    BigDecimal costCapUsd,
    boolean allowSafetyReroute,
    String callbackUrl) {

  record Product(String sku, ProductData data) {}

  int itemCount() {
    return products.size() * spec.variants().size();
  }
}
