package io.catalogimage.api.intake;

import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.api.problem.ProblemTypes;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.springframework.http.HttpStatus;
import org.springframework.util.unit.DataSize;

/** Stops reading a request body past the configured size, answering 413 with the limit. */
final class BodyLimit extends FilterInputStream {

  private final long limit;
  private long read;

  private BodyLimit(InputStream in, long limit) {
    super(in);
    this.limit = limit;
  }

  static InputStream wrap(InputStream body, long declaredLength, DataSize limit) {
    if (declaredLength > limit.toBytes()) {
      throw tooLarge(limit);
    }
    return new BodyLimit(body, limit.toBytes());
  }

  static ApiProblem tooLarge(DataSize limit) {
    return new ApiProblem(
            HttpStatus.CONTENT_TOO_LARGE,
            ProblemTypes.PAYLOAD_TOO_LARGE,
            "Payload too large",
            "the body is larger than the limit of "
                + limit.toMegabytes()
                + " MB; split the catalog into several batches")
        .with("limitBytes", limit.toBytes());
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      count(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    int n = super.read(buf, off, len);
    if (n > 0) {
      count(n);
    }
    return n;
  }

  private void count(int n) {
    read += n;
    if (read > limit) {
      throw tooLarge(DataSize.ofBytes(limit));
    }
  }
}
