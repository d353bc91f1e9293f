package io.github.vertxchannels.conformance.engine;

/** An operation that answered an outcome where a channel handle was expected. */
public final class OutcomeException extends Exception {

  private final Outcome outcome;

  /** @param outcome what the operation answered */
  public OutcomeException(Outcome outcome) {
    super(outcome.toString(), null, false, false);
    this.outcome = outcome;
  }

  /** @return what the operation answered */
  public Outcome outcome() {
    return outcome;
  }
}
