package io.catalogimage.api.input;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a handler that reads and checks its whole query itself (the upload's options, whose names
 * depend on the variants and models asked for): {@link KnownQueryParameters} leaves it alone.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
public @interface ChecksItsOwnQuery {}
