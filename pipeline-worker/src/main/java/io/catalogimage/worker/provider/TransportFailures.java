package io.catalogimage.worker.provider;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/**
 * What a call that got no HTTP answer means for money. A connection that was never made (refused,
 * connect timeout, unknown host) sent nothing: no charge. A request that was sent and then timed
 * out or lost its connection may well have been generated and billed: its outcome is unknown and
 * the ledger records it as possibly billed (DESIGN.md decision 10).
 */
public final class TransportFailures {

  private TransportFailures() {}

  public static ProviderOutcome classify(Throwable failure, Duration latency, Duration timeout) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    CallInfo info = CallInfo.noAnswer(latency);
    if (cause instanceof HttpConnectTimeoutException
        || cause instanceof ConnectException
        || cause instanceof UnresolvedAddressException
        || cause.getCause() instanceof ConnectException
        || cause.getCause() instanceof UnresolvedAddressException) {
      return new ProviderOutcome.ServerError("could not connect to the provider: " + cause, info);
    }
    if (cause instanceof HttpTimeoutException) {
      return new ProviderOutcome.TimedOut(
          "no answer within "
              + (timeout == null ? latency.toSeconds() + "s" : seconds(timeout))
              + " (this model's timeout)",
          info);
    }
    if (cause instanceof IOException) {
      return new ProviderOutcome.ConnectionLost(
          "the connection was lost after the request was sent: " + cause, info);
    }
    return new ProviderOutcome.ServerError("could not call the provider: " + cause, info);
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() / 1000.0 + "s";
  }
}
