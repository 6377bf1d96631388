package io.catalogimage.api.auth;

import org.springframework.security.authentication.InternalAuthenticationServiceException;

/**
 * The key could not be checked because the database is out of reach: neither a success nor a failed
 * authentication (not counted against the client), answered 503 with Retry-After. An
 * internal-service exception, so that no other provider gets to turn it into a 401.
 */
final class CredentialsUncheckable extends InternalAuthenticationServiceException {

  CredentialsUncheckable(Throwable cause) {
    super("the database cannot be reached to check the API key", cause);
  }
}
