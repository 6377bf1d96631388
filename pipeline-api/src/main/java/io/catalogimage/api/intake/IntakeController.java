package io.catalogimage.api.intake;

import io.catalogimage.api.dispatch.DispatchDueItems;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.id.Uuids;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /v1/batches}: validates the whole catalog, stores it in one transaction and answers
 * 202 at once; the work happens afterwards. Nothing is stored when anything is invalid.
 */
@RestController
class IntakeController {

  private final JsonSubmissionParser parser;
  private final SubmissionValidator validator;
  private final IntakeRepository repository;
  private final IntakeProperties limits;
  private final DispatchDueItems dispatcher;
  private final Clock clock;
  private final BatchPlanner planner;

  IntakeController(
      JsonSubmissionParser parser,
      SubmissionValidator validator,
      IntakeRepository repository,
      IntakeProperties limits,
      DispatchDueItems dispatcher,
      BatchPlanner planner,
      Clock clock) {
    this.planner = planner;
    this.parser = parser;
    this.validator = validator;
    this.repository = repository;
    this.limits = limits;
    this.dispatcher = dispatcher;
    this.clock = clock;
  }

  @PostMapping(path = "/v1/batches", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<BatchAccepted> submit(TenantId tenant, HttpServletRequest request)
      throws IOException {
    SubmitBatchRequest parsed;
    try (InputStream body =
        BodyLimit.wrap(
            request.getInputStream(), request.getContentLengthLong(), limits.maxBodySize())) {
      parsed = parser.parse(body);
    }
    ValidSubmission valid = validator.validate(parsed);
    BatchId batch = new BatchId(Uuids.v7());
    Instant now = clock.instant();
    BatchPlan plan = planner.plan(valid, now);
    repository.store(tenant, batch, valid, plan, now);
    dispatcher.wake();
    String self = "/v1/batches/" + batch;
    return ResponseEntity.accepted()
        .location(URI.create(self))
        .body(
            new BatchAccepted(
                batch.toString(),
                valid.name(),
                "ACCEPTED",
                valid.products().size(),
                valid.itemCount(),
                valid.deadline(),
                plan.eta(),
                plan.basis(),
                plan.atRisk(),
                Map.of("self", self, "items", self + "/items")));
  }
}
