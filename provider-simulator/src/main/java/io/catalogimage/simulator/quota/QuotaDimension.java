package io.catalogimage.simulator.quota;

/** The three quotas the simulator enforces per project x model. */
public enum QuotaDimension {
  REQUESTS_PER_MINUTE,
  IMAGES_PER_MINUTE,
  REQUESTS_PER_DAY;

  public boolean perDay() {
    return this == REQUESTS_PER_DAY;
  }
}
