package io.catalogimage.api.tenant;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.catalogimage.api.input.Ranges;
import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.common.id.TenantId;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /v1/tenant/cost-cap}: the tenant's monthly cost cap. Items that would pass it end
 * CAP_REACHED; raising or removing it resumes them.
 */
@Tag(name = "Tenant")
@RestController
class TenantCapController {

  /** The body of the PUT; an explicit null removes the cap, an absent field is an error. */
  record MonthlyCapRequest(@JsonProperty(required = true) BigDecimal monthlyCapUsd) {}

  private final TenantCaps caps;
  private final Clock clock;

  TenantCapController(TenantCaps caps, Clock clock) {
    this.caps = caps;
    this.clock = clock;
  }

  /** The tenant's monthly cost cap (UTC months) and what this month has committed against it. */
  @GetMapping("/v1/tenant/cost-cap")
  TenantCaps.MonthlyCap get(TenantId tenant) {
    return caps.get(tenant, clock.instant());
  }

  /**
   * Sets, raises or removes ({@code null}) the monthly cap. Items that would pass it end
   * CAP_REACHED; raising or removing it runs them again.
   */
  @PutMapping("/v1/tenant/cost-cap")
  Map<String, Object> set(TenantId tenant, @RequestBody MonthlyCapRequest body) {
    if (body == null) {
      throw ApiProblem.invalidParameter(
          "monthlyCapUsd", "a body {\"monthlyCapUsd\": ...} is required");
    }
    Ranges.money(body.monthlyCapUsd())
        .ifPresent(
            why -> {
              throw ApiProblem.invalidParameter(
                  "monthlyCapUsd", why + " (send null to remove the cap)");
            });
    TenantCaps.Changed changed = caps.set(tenant, body.monthlyCapUsd(), clock.instant());
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("monthlyCapUsd", changed.cap().monthlyCapUsd());
    answer.put("month", changed.cap().month());
    answer.put("committedUsd", changed.cap().committedUsd());
    answer.put("resumedItems", changed.resumedItems());
    return answer;
  }
}
