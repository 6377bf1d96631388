package io.catalogimage.api.intake;

import java.util.Map;

/** The answer to an accepted submission: the batch id and where to follow it. */
public record BatchAccepted(
    String id,
    String name,
    String state,
    int productCount,
    int itemCount,
    Map<String, String> links) {}
