package io.catalogimage.simulator.gemini;

/** A request the Gemini API would refuse with 400 INVALID_ARGUMENT. */
final class InvalidArgument extends RuntimeException {
  InvalidArgument(String message) {
    super(message, null, false, false);
  }
}
