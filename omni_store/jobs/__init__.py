"""Clock-driven jobs (`flask jobs run`) and the outbox sender (`flask outbox send`)."""
