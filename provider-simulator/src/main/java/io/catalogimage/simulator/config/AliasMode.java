package io.catalogimage.simulator.config;

/** What happens to a retired {@code -preview} model id. */
public enum AliasMode {
  /**
   * Google's own API since 2026-06-25: 404 NOT_FOUND "models/X is not found for API version v1beta,
   * or is not supported for generateContent...".
   */
  NOT_FOUND,
  /** Gateway behaviour: served by the GA model; {@code modelVersion} reports the GA id. */
  REMAP
}
