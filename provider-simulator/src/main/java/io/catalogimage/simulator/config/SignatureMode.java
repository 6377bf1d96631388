package io.catalogimage.simulator.config;

/**
 * How the simulator treats the {@code thoughtSignature}s echoed in a conversation's earlier model
 * turns (reference §4: Gemini 3 text models answer 400 when one is missing; Gemini 3 Pro Image does
 * not enforce it; 3.1 Flash Image is unverified, so both are simulated).
 */
public enum SignatureMode {
  /** A missing or altered signature is a 400 INVALID_ARGUMENT, nothing is generated or billed. */
  STRICT,
  /** Checked and counted, answered anyway with an {@code x-sim-signature-warning} header. */
  LENIENT,
  /** Not checked. */
  OFF
}
