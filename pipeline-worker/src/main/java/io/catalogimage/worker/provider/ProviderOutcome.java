package io.catalogimage.worker.provider;

import io.catalogimage.common.model.Dimensions;
import io.catalogimage.worker.result.ResultSpool;
import java.time.Duration;

/**
 * Every answer a provider can give, in our own terms. Vendor clients classify their responses into
 * exactly one of these at their boundary; nothing vendor-specific travels further.
 */
public sealed interface ProviderOutcome {

  CallInfo info();

  /** The name of the outcome, as written in the ledger. */
  String kind();

  /**
   * True when the request was sent but no answer came back (timeout, connection lost): the provider
   * may have generated and billed the image, so the ledger charges the estimate, flagged.
   */
  default boolean possiblyBilled() {
    return false;
  }

  /**
   * An image arrived. Its bytes are held by the worker's spool (memory or a file) until released:
   * whoever ends up with this outcome stores the image or releases it.
   *
   * @param image the image's bytes, its SHA-256 and first bytes
   * @param actual decoded dimensions of the image
   * @param text the text part (alt text / caption JSON), or null
   * @param downgrade set when the provider served less than asked: another model version or a
   *     smaller image
   * @param modelTurn the answer's non-thought parts as received (signatures included), kept for
   *     edits; empty when the protocol has no conversation (OpenAI: the image is the history)
   */
  record Generated(
      ResultSpool.Held image,
      String mimeType,
      Dimensions actual,
      String text,
      CallInfo info,
      String downgrade,
      java.util.List<ModelPart> modelTurn)
      implements ProviderOutcome {

    public Generated {
      modelTurn = modelTurn == null ? java.util.List.of() : java.util.List.copyOf(modelTurn);
    }

    /** An answer without a conversation to keep. */
    public Generated(
        ResultSpool.Held image,
        String mimeType,
        Dimensions actual,
        String text,
        CallInfo info,
        String downgrade) {
      this(image, mimeType, actual, text, info, downgrade, java.util.List.of());
    }

    /** An image already in memory (tests, edits' own reads), held by no spool. */
    public Generated(
        byte[] png,
        String mimeType,
        Dimensions actual,
        String text,
        CallInfo info,
        String downgrade,
        java.util.List<ModelPart> modelTurn) {
      this(ResultSpool.unspooled(png), mimeType, actual, text, info, downgrade, modelTurn);
    }

    /** An image already in memory (tests), held by no spool. */
    public Generated(
        byte[] png,
        String mimeType,
        Dimensions actual,
        String text,
        CallInfo info,
        String downgrade) {
      this(ResultSpool.unspooled(png), mimeType, actual, text, info, downgrade);
    }

    /** The image's bytes in one new array: for tests and small images only. */
    public byte[] png() {
      return image.bytes();
    }

    @Override
    public String kind() {
      return downgrade == null ? "SUCCEEDED" : "DOWNGRADED";
    }
  }

  /**
   * A vision text model answered with text about the image it was given (the captioning step).
   *
   * @param text the answer's text parts, joined
   */
  record Described(String text, CallInfo info) implements ProviderOutcome {
    @Override
    public String kind() {
      return "CAPTIONED";
    }
  }

  /**
   * The provider's safety filter refused the prompt or the image (HTTP 200 blocks and OpenAI's
   * moderation_blocked). Never retried blindly on the same model.
   *
   * @param reason the provider's code (IMAGE_SAFETY, PROHIBITED_CONTENT, moderation_blocked...)
   * @param message the provider's words, kept for the merchant
   */
  record Blocked(String reason, String message, CallInfo info) implements ProviderOutcome {
    @Override
    public String kind() {
      return "BLOCKED";
    }
  }

  /** The call finished but produced no image (NO_IMAGE, IMAGE_OTHER, a text-only refusal). */
  record NoImage(String reason, String message, CallInfo info) implements ProviderOutcome {
    @Override
    public String kind() {
      return "NO_IMAGE";
    }
  }

  /**
   * Too many requests this minute; retry after {@code retryAfter} (null when the provider gave no
   * delay: then the kind is RATE_LIMITED_NO_HINT, a throttle that never says when, which routing
   * treats as the model failing).
   */
  record RateLimited(Duration retryAfter, String message, CallInfo info)
      implements ProviderOutcome {
    @Override
    public String kind() {
      return retryAfter == null ? "RATE_LIMITED_NO_HINT" : "RATE_LIMITED";
    }
  }

  /**
   * A quota that does not refill within minutes: per day, or a limit of zero (no entitlement).
   * Retrying before the reset never helps.
   */
  record QuotaExhausted(boolean limitZero, String message, CallInfo info)
      implements ProviderOutcome {
    @Override
    public String kind() {
      return "QUOTA_EXHAUSTED";
    }
  }

  /** 500/502/503/504, or the server could not be reached (nothing sent). Retry with backoff. */
  record ServerError(String message, CallInfo info) implements ProviderOutcome {
    @Override
    public String kind() {
      return "SERVER_ERROR";
    }
  }

  /** No answer within the model's timeout; the request was sent, so it may have been billed. */
  record TimedOut(String message, CallInfo info) implements ProviderOutcome {
    @Override
    public String kind() {
      return "TIMEOUT";
    }

    @Override
    public boolean possiblyBilled() {
      return true;
    }
  }

  /**
   * The connection closed (reset, EOF) after the request was sent and before an answer: the outcome
   * is unknown and may have been billed. Retried like a server error.
   */
  record ConnectionLost(String message, CallInfo info) implements ProviderOutcome {
    @Override
    public String kind() {
      return "CONNECTION_LOST";
    }

    @Override
    public boolean possiblyBilled() {
      return true;
    }
  }

  /**
   * The endpoint refused our API key (401, 403, Gemini's 400 API_KEY_INVALID): no request through
   * this endpoint can succeed until its key is fixed, so the endpoint is taken out of use.
   */
  record KeyRefused(String message, CallInfo info) implements ProviderOutcome {
    @Override
    public String kind() {
      return "KEY_REFUSED";
    }
  }

  /** The provider refused the request itself (400, 404): retrying cannot fix it. */
  record Rejected(String message, CallInfo info) implements ProviderOutcome {
    @Override
    public String kind() {
      return "REJECTED";
    }
  }
}
