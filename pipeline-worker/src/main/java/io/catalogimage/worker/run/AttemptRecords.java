package io.catalogimage.worker.run;

import io.catalogimage.common.pricing.TokenUsage;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.ledger.AttemptResult;
import io.catalogimage.worker.provider.CallInfo;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.result.AltText;
import io.catalogimage.worker.result.Sidecar;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** How a call is written down: the ledger's attempt row and, for an image, its sidecar. */
final class AttemptRecords {

  private AttemptRecords() {}

  static AttemptResult result(ProviderOutcome o, String decision, BigDecimal cost) {
    CallInfo info = o.info();
    TokenUsage u = info.usage();
    Integer width = null;
    Integer height = null;
    String error;
    if (o instanceof ProviderOutcome.Generated g) {
      width = g.actual().width();
      height = g.actual().height();
      error = g.downgrade();
    } else {
      error = errorMessage(o);
    }
    return new AttemptResult(
        o.kind(),
        decision,
        info.modelVersion(),
        info.httpStatus(),
        error,
        info.latency().toMillis(),
        u == null ? null : u.inputTokens(),
        u == null ? null : u.outputTextTokens() + u.outputImageTokens(),
        u == null ? null : u.thinkingTokens(),
        cost,
        width,
        height,
        info.responseId(),
        o.possiblyBilled());
  }

  static String errorMessage(ProviderOutcome o) {
    if (o instanceof ProviderOutcome.Blocked b) {
      return b.reason() + ": " + b.message();
    }
    if (o instanceof ProviderOutcome.NoImage n) {
      return n.reason() + ": " + n.message();
    }
    if (o instanceof ProviderOutcome.RateLimited r) {
      return r.message();
    }
    if (o instanceof ProviderOutcome.QuotaExhausted q) {
      return q.message();
    }
    if (o instanceof ProviderOutcome.ServerError s) {
      return s.message();
    }
    if (o instanceof ProviderOutcome.TimedOut t) {
      return t.message();
    }
    if (o instanceof ProviderOutcome.ConnectionLost c) {
      return c.message();
    }
    if (o instanceof ProviderOutcome.Rejected r) {
      return r.message();
    }
    if (o instanceof ProviderOutcome.KeyRefused k) {
      return k.message();
    }
    return null;
  }

  static Sidecar sidecar(
      ClaimedItem item,
      Call call,
      ProviderOutcome.Generated g,
      AltText alt,
      CaptionStep.Captioned captioned,
      BigDecimal cost,
      Instant finished) {
    List<String> warnings = new ArrayList<>();
    for (String w : alt.warnings()) {
      // a locale the image model left out is either captioned now or in captioned's warnings
      if (!w.startsWith("no alt text for locale")) {
        warnings.add(w);
      }
    }
    warnings.addAll(captioned.warnings());
    if (g.downgrade() != null) {
      warnings.add("downgrade: " + g.downgrade());
    }
    CallInfo info = g.info();
    return new Sidecar(
        Sidecar.SCHEMA_VERSION,
        item.id().toString(),
        item.batch().toString(),
        item.sku(),
        item.variant().name(),
        item.variant().aspectRatio(),
        item.variant().size(),
        captioned.byLocale(),
        captioned.caption(),
        captioned.texts(),
        call.request().prompt(),
        sha256(call.request().prompt().getBytes(StandardCharsets.UTF_8)),
        new Sidecar.Requested(
            call.model(),
            call.provider().endpoint(),
            call.request().expected() == null ? null : call.request().expected().toString()),
        new Sidecar.Served(
            info.modelVersion(), g.actual().toString(), info.responseId(), g.downgrade()),
        cost,
        call.attempt(),
        new Sidecar.Timings(call.started(), finished, info.latency().toMillis()),
        info.usage() == null
            ? null
            : new Sidecar.Tokens(
                info.usage().inputTokens(),
                info.usage().outputTextTokens() + info.usage().outputImageTokens(),
                info.usage().thinkingTokens()),
        g.image().sha256(),
        warnings,
        item.isEdit()
            ? new Sidecar.Edit(
                item.edit().id().toString(),
                item.edit().turn(),
                item.edit().instruction(),
                item.edit().baseAttempt())
            : null);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
