package io.catalogimage.worker.provider.batch;

/**
 * What a provider says about a job.
 *
 * @param jobId the provider's id ({@code batches/...} for Gemini, {@code batch_...} for OpenAI)
 * @param state the job's state
 * @param total lines in the job
 * @param succeeded lines finished well so far (as the provider counts them)
 * @param failed lines finished with an error so far
 * @param output where the results are: a responses/output file id, or null (inline, or none)
 * @param errors OpenAI's error file id, or null
 * @param message the provider's words on a failed job, or null
 */
public record BatchJobStatus(
    String jobId,
    BatchJobState state,
    int total,
    int succeeded,
    int failed,
    String output,
    String errors,
    String message) {}
