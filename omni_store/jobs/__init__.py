"""Clock-driven jobs (`flask jobs run`)."""
