package io.catalogimage.worker.run;

import io.catalogimage.worker.ledger.CapReservations;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ImageProvider;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * One provider call, recorded IN_FLIGHT: what the reserve step made and the later steps use.
 *
 * @param attempt the ledger's attempt number
 * @param reserved the estimated cost, reserved against the caps and charged if the outcome turns
 *     out unknown
 * @param batchRate the call was a line of a provider batch job: priced at the batch rate
 */
record Call(
    String model,
    ImageProvider provider,
    int attempt,
    GenerationRequest request,
    Instant started,
    BigDecimal reserved,
    CapReservations.Reservation reservation,
    boolean batchRate) {}
