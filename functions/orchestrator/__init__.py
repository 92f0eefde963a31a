"""orchestrator: proposals from scored signals, risk checks, four-eyes decisions, GDPR erasure."""
