package io.catalogimage.worker.claim;

import java.util.UUID;

/**
 * The edit a claimed item runs for: the merchant's instruction, applied to version {@code
 * baseAttempt} of its image, on the model of its conversation (never another).
 *
 * @param turn the edit's number in the item's history (1 for the first edit)
 */
public record PendingEdit(UUID id, int turn, String instruction, String model, int baseAttempt) {}
