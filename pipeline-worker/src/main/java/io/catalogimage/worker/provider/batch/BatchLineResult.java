package io.catalogimage.worker.provider.batch;

import io.catalogimage.worker.provider.ProviderOutcome;

/** One finished line of a job: its key and what the provider answered, in our terms. */
public record BatchLineResult(String key, ProviderOutcome outcome) {}
