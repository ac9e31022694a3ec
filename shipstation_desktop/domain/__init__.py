"""Pure domain: the seeds' vocabulary, state machines and rules. No I/O, no Qt, no SQL."""
