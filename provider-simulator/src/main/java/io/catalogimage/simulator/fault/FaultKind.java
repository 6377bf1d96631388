package io.catalogimage.simulator.fault;

import java.util.Locale;
import java.util.Optional;

/**
 * Every way a simulated call can go wrong (or silently differ from what was asked).
 *
 * <p>Each kind is injected by rate (see {@code faults} and {@code peak} settings) or by a trigger
 * word {@code [sim:KIND]} in the prompt. A kind that has no meaning for a protocol is ignored on
 * that protocol (the call then proceeds as if no fault was drawn); see {@link #appliesTo}.
 */
public enum FaultKind {
  /** HTTP 200, no candidates, {@code promptFeedback.blockReason} set. OpenAI: input moderation. */
  PROMPT_BLOCKED(Latency.FAST, true, true),
  /** HTTP 200, {@code parts: null}, no candidate tokens but thought tokens. OpenAI: moderation. */
  IMAGE_SAFETY(Latency.FULL, true, true),
  /** HTTP 200, {@code content: {"role":"model"}}, "Support code: N". OpenAI: moderation. */
  IMAGE_PROHIBITED_CONTENT(Latency.FULL, true, true),
  IMAGE_RECITATION(Latency.FULL, true, false),
  /** HTTP 200, {@code content: {}}, "You will not be charged for this request". */
  IMAGE_OTHER(Latency.FULL, true, false),
  SAFETY(Latency.FULL, true, true),
  PROHIBITED_CONTENT(Latency.FULL, true, true),
  BLOCKLIST(Latency.FULL, true, true),
  SPII(Latency.FULL, true, true),
  RECITATION(Latency.FULL, true, false),
  /** HTTP 200, finishReason NO_IMAGE, returned quickly. */
  NO_IMAGE(Latency.FAST, true, false),
  /** HTTP 200, finishReason STOP with only a refusal sentence and no image. */
  TEXT_ONLY_REFUSAL(Latency.FAST, true, false),
  HTTP_500(Latency.FULL, true, true),
  /** "The model is overloaded. Please try again later." Answered quickly. */
  HTTP_503(Latency.FAST, true, true),
  /** DEADLINE_EXCEEDED, answered after the p95 latency (the deadline). */
  HTTP_504(Latency.DEADLINE, true, true),
  /** Success, but {@code modelVersion} names another model and the image has its 1K size. */
  MODEL_VERSION_MISMATCH(Latency.FULL, true, false),
  /** Success, but the 1K image is served whatever {@code imageSize} asked for. */
  SIZE_IGNORED(Latency.FULL, true, true),
  /** Success with two non-thought images: the 1K default first, then the requested size. */
  TWO_FINAL_IMAGES(Latency.FULL, true, false),
  /** Per-minute 429 (retryable), as if the project's per-minute quota were exhausted. */
  RATE_LIMITED(Latency.NONE, true, true),
  /** Per-day 429 (sticky until 00:00 America/Los_Angeles). */
  DAILY_QUOTA(Latency.NONE, true, true),
  /** 429 with "limit: 0": no entitlement, retrying never helps. */
  LIMIT_ZERO(Latency.NONE, true, true),
  /** OpenAI's non-retryable 429 {@code insufficient_quota} (billing). */
  INSUFFICIENT_QUOTA(Latency.NONE, false, true),
  /**
   * A per-minute 429 with no retry hint at all: no {@code RetryInfo}, no "Please retry in", no
   * {@code retry-after} header. A throttled model that never says when.
   */
  RATE_LIMITED_NO_HINT(Latency.NONE, true, true),
  /**
   * The request is read and never answered: the connection stays open for {@code faults.hangFor}
   * and is then closed without a response (a hung model). See {@link TransportFaults}.
   */
  HANG(Latency.NONE, true, true),
  /**
   * The model works for its usual latency, then the connection is closed without a response
   * (reset): the caller cannot know whether it was billed.
   */
  CONNECTION_RESET(Latency.FULL, true, true);

  /** Which latency a call that ends in this kind gets. */
  public enum Latency {
    /** Answered at once (quota-style rejections). */
    NONE,
    /** Answered after the short "fast failure" delay (2-4 s by default). */
    FAST,
    /** Answered after the usual generation latency. */
    FULL,
    /** Answered after the model x size p95 (a deadline). */
    DEADLINE
  }

  private final Latency latency;
  private final boolean gemini;
  private final boolean openai;

  FaultKind(Latency latency, boolean gemini, boolean openai) {
    this.latency = latency;
    this.gemini = gemini;
    this.openai = openai;
  }

  public Latency latency() {
    return latency;
  }

  /** The two wire protocols the simulator speaks. */
  public enum Protocol {
    GEMINI,
    OPENAI
  }

  public boolean appliesTo(Protocol protocol) {
    return protocol == Protocol.GEMINI ? gemini : openai;
  }

  /** True for the kinds answered with HTTP 429. */
  public boolean isQuotaRejection() {
    return this == RATE_LIMITED
        || this == RATE_LIMITED_NO_HINT
        || this == DAILY_QUOTA
        || this == LIMIT_ZERO
        || this == INSUFFICIENT_QUOTA;
  }

  /** Case-insensitive lookup; empty for an unknown name. */
  public static Optional<FaultKind> parse(String name) {
    try {
      return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
