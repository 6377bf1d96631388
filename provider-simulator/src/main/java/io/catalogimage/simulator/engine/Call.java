package io.catalogimage.simulator.engine;

import io.catalogimage.simulator.fault.FaultKind;

/**
 * One valid, authenticated generation request, reduced to what the decision needs.
 *
 * @param protocol which API it came in on
 * @param project the caller's project (from its API key)
 * @param model the served model id (quotas, stats and faults are keyed by it)
 * @param requestedModel the id the caller asked for
 * @param prompt the prompt text (seeds faults; carries trigger words)
 * @param images images this request would produce (IPM)
 * @param sizeKey latency table key: Gemini imageSize ("512", "1K", ...) or the OpenAI size
 */
public record Call(
    FaultKind.Protocol protocol,
    String project,
    String model,
    String requestedModel,
    String prompt,
    int images,
    String sizeKey) {}
